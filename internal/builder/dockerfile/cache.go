package dockerfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/berth/berth/internal/store"
)

// Cache is the persistent build cache: one store.DB file (root/cache.db)
// with one bucket, "steps", mapping a step key (hex sha256 of the parent
// image ID, the instruction, the config it produces and, for COPY/ADD, the
// sources' checksum) to the ID of the image the step produced. An entry
// whose image is gone is a miss; Prune drops every entry.
type Cache struct {
	db *store.DB
}

const (
	bucketSteps = "steps"
	// bucketFinal holds the IDs of images that ended a build (keys only):
	// prune never deletes those, they are the user's images.
	bucketFinal = "final"
)

// OpenCache opens (creating) the cache under dir.
func OpenCache(dir string) (*Cache, error) {
	db, err := store.Open(filepath.Join(dir, "cache.db"), bucketSteps, bucketFinal)
	if err != nil {
		return nil, fmt.Errorf("open build cache: %w", err)
	}
	return &Cache{db: db}, nil
}

// Close closes the database.
func (c *Cache) Close() error { return c.db.Close() }

// Get returns the image recorded for key.
func (c *Cache) Get(key string) (string, bool) {
	var id string
	_ = c.db.View(func(tx *store.Tx) error {
		id, _ = tx.GetString(bucketSteps, key)
		return nil
	})
	return id, id != ""
}

// Put records that step key produced image id.
func (c *Cache) Put(key, id string) error {
	return c.db.Update(func(tx *store.Tx) error {
		return tx.PutString(bucketSteps, key, id)
	})
}

// MarkFinal records id as the result of a build.
func (c *Cache) MarkFinal(id string) error {
	marked := false
	_ = c.db.View(func(tx *store.Tx) error {
		marked = tx.Exists(bucketFinal, id)
		return nil
	})
	if marked {
		return nil // no write (and no fsync) for a rebuild
	}
	return c.db.Update(func(tx *store.Tx) error {
		return tx.PutString(bucketFinal, id, "\x01")
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
	err := c.db.Update(func(tx *store.Tx) error {
		var finals []string
		_ = tx.ForEach(bucketFinal, func(k string, _ []byte) error {
			finals = append(finals, k)
			return nil
		})
		_ = tx.ForEach(bucketSteps, func(k string, v []byte) error {
			out = append(out, Entry{Key: k, ID: string(v), Final: tx.Exists(bucketFinal, string(v))})
			return nil
		})
		for _, e := range out {
			if err := tx.Delete(bucketSteps, e.Key); err != nil {
				return err
			}
		}
		for _, k := range finals {
			if err := tx.Delete(bucketFinal, k); err != nil {
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
	_ = c.db.View(func(tx *store.Tx) error {
		return tx.ForEach(bucketSteps, func(string, []byte) error { n++; return nil })
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
