package dockerfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cache is the persistent build cache: one bbolt file (root/cache.db)
// with one bucket, "steps", mapping a step key (hex sha256 of the parent
// image ID, the instruction, the config it produces and, for COPY/ADD, the
// sources' checksum) to the ID of the image the step produced. An entry
// whose image is gone is a miss; Prune drops every entry.
type Cache struct {
	db *bolt.DB
}

var bucketSteps = []byte("steps")

// OpenCache opens (creating) the cache under dir.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, "cache.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open build cache: %w", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketSteps)
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	return &Cache{db: db}, nil
}

// Close closes the database.
func (c *Cache) Close() error { return c.db.Close() }

// Get returns the image recorded for key.
func (c *Cache) Get(key string) (string, bool) {
	var id string
	_ = c.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSteps).Get([]byte(key)); v != nil {
			id = string(v)
		}
		return nil
	})
	return id, id != ""
}

// Put records that step key produced image id.
func (c *Cache) Put(key, id string) error {
	return c.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSteps).Put([]byte(key), []byte(id))
	})
}

// Prune drops every entry and returns the image IDs they named.
func (c *Cache) Prune() ([]string, error) {
	var ids []string
	err := c.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSteps)
		if err := b.ForEach(func(k, v []byte) error {
			ids = append(ids, string(v))
			return nil
		}); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketSteps); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucketSteps)
		return err
	})
	return ids, err
}

// Len returns the number of entries.
func (c *Cache) Len() int {
	n := 0
	_ = c.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSteps).Stats().KeyN
		return nil
	})
	return n
}

// stepKey hashes the parts of a step's identity.
func stepKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
