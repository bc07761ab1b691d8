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

var (
	bucketSteps = []byte("steps")
	// bucketFinal holds the IDs of images that ended a build (keys only):
	// prune never deletes those, they are the user's images.
	bucketFinal = []byte("final")
)

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
		if _, err := tx.CreateBucketIfNotExists(bucketSteps); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketFinal)
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

// MarkFinal records id as the result of a build.
func (c *Cache) MarkFinal(id string) error {
	marked := false
	_ = c.db.View(func(tx *bolt.Tx) error {
		marked = tx.Bucket(bucketFinal).Get([]byte(id)) != nil
		return nil
	})
	if marked {
		return nil // no write (and no fsync) for a rebuild
	}
	return c.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFinal).Put([]byte(id), []byte{1})
	})
}

// Entry is one cache record.
type Entry struct {
	Key, ID string
	Final   bool // the image ended a build
}

// Prune drops every entry (and the record of final images) and returns
// what it dropped.
func (c *Cache) Prune() ([]Entry, error) {
	var out []Entry
	err := c.db.Update(func(tx *bolt.Tx) error {
		final := tx.Bucket(bucketFinal)
		if err := tx.Bucket(bucketSteps).ForEach(func(k, v []byte) error {
			out = append(out, Entry{Key: string(k), ID: string(v), Final: final.Get(v) != nil})
			return nil
		}); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketSteps, bucketFinal} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
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
