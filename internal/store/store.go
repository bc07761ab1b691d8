package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth/berth/internal/errdefs"
)

// DB is a bbolt file holding JSON records in named buckets. Every write is a
// bbolt transaction (fsynced before it returns), so a crash leaves either the
// old or the new value, never half of one.
type DB struct {
	db *bolt.DB
}

// Open opens (creating if needed) the bbolt file at path and makes sure the
// given buckets exist.
func Open(path string, buckets ...string) (*DB, error) {
	return open(path, "metadata store", &bolt.Options{Timeout: 5 * time.Second}, buckets)
}

// open opens the bbolt file at path (what names it in errors) with opts
// and makes sure the buckets exist.
func open(path, what string, opts *bolt.Options, buckets []string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create dir of %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s %s: %w", what, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &DB{db: db}, nil
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

// Put stores v as JSON under key in bucket.
func (d *DB) Put(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return d.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
		return b.Put([]byte(key), data)
	})
}

// Get decodes the record under key in bucket into v; a missing record is an
// errdefs.NotFound error.
func (d *DB) Get(bucket, key string, v any) error {
	return d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		var data []byte
		if b != nil {
			data = b.Get([]byte(key))
		}
		if data == nil {
			return errdefs.NotFound(fmt.Errorf("record %s/%s not found", bucket, key))
		}
		return json.Unmarshal(data, v)
	})
}

// Delete removes key from bucket; a missing key is not an error.
func (d *DB) Delete(bucket, key string) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
}

// ForEach calls fn with every key and raw JSON value of bucket, in key order.
// An error from fn stops the walk and is returned.
func (d *DB) ForEach(bucket string, fn func(key string, value []byte) error) error {
	return d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			return fn(string(k), append([]byte(nil), v...))
		})
	})
}

// Update runs fn in one read-write transaction: all its puts and deletes are
// committed together or not at all.
func (d *DB) Update(fn func(tx *Tx) error) error {
	return d.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Tx is one read-write transaction.
type Tx struct {
	tx *bolt.Tx
}

// Put stores v as JSON under key in bucket within the transaction.
func (t *Tx) Put(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	b, err := t.tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return b.Put([]byte(key), data)
}

// Delete removes key from bucket within the transaction.
func (t *Tx) Delete(bucket, key string) error {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(key))
}

// Exists reports whether key is present in bucket.
func (t *Tx) Exists(bucket, key string) bool {
	b := t.tx.Bucket([]byte(bucket))
	return b != nil && b.Get([]byte(key)) != nil
}

// ErrAbort can be returned from an Update function to roll back silently.
var ErrAbort = errors.New("transaction aborted")
