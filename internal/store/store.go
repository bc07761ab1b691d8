package store

import (
	"bytes"
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
	// A write transaction syncs the file even when it changes nothing:
	// only a store that lacks a bucket pays for one.
	complete := true
	_ = db.View(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			complete = complete && tx.Bucket([]byte(b)) != nil
		}
		return nil
	})
	if complete {
		return &DB{db: db}, nil
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
	return d.Update(func(tx *Tx) error { return tx.Put(bucket, key, v) })
}

// Get decodes the record under key in bucket into v; a missing record is an
// errdefs.NotFound error.
func (d *DB) Get(bucket, key string, v any) error {
	return d.View(func(tx *Tx) error { return tx.Get(bucket, key, v) })
}

// Delete removes key from bucket; a missing key is not an error.
func (d *DB) Delete(bucket, key string) error {
	return d.Update(func(tx *Tx) error { return tx.Delete(bucket, key) })
}

// ForEach calls fn with every key and raw JSON value of bucket, in key order.
// An error from fn stops the walk and is returned.
func (d *DB) ForEach(bucket string, fn func(key string, value []byte) error) error {
	return d.View(func(tx *Tx) error {
		return tx.ForEach(bucket, func(k string, v []byte) error {
			return fn(k, append([]byte(nil), v...))
		})
	})
}

// Update runs fn in one read-write transaction: all its puts and deletes are
// committed together or not at all.
func (d *DB) Update(fn func(tx *Tx) error) error {
	return d.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// View runs fn in one read-only transaction: what it reads is one state of
// the file.
func (d *DB) View(fn func(tx *Tx) error) error {
	return d.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Tx is one transaction, read-write (Update) or read-only (View).
type Tx struct {
	tx *bolt.Tx
}

// Put stores v as JSON under key in bucket within the transaction.
func (t *Tx) Put(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return t.PutString(bucket, key, string(data))
}

// PutString stores the plain string value (not JSON) under key in bucket.
func (t *Tx) PutString(bucket, key, value string) error {
	b, err := t.tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return b.Put([]byte(key), []byte(value))
}

// Get decodes the record under key in bucket into v; a missing record is an
// errdefs.NotFound error.
func (t *Tx) Get(bucket, key string, v any) error {
	data := t.get(bucket, key)
	if data == nil {
		return errdefs.NotFound(fmt.Errorf("record %s/%s not found", bucket, key))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s/%s: %w", bucket, key, err)
	}
	return nil
}

// GetString returns the plain string value under key in bucket; false when
// there is none.
func (t *Tx) GetString(bucket, key string) (string, bool) {
	data := t.get(bucket, key)
	return string(data), data != nil
}

func (t *Tx) get(bucket, key string) []byte {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
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
	return t.get(bucket, key) != nil
}

// ForEach calls fn with every key and raw value of bucket, in key order;
// the value is valid only during the transaction. An error from fn stops
// the walk and is returned. fn must not add or delete keys of bucket.
func (t *Tx) ForEach(bucket string, fn func(key string, value []byte) error) error {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// KeysWithPrefix returns the keys of bucket that begin with prefix, in
// key order.
func (t *Tx) KeysWithPrefix(bucket, prefix string) []string {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	var out []string
	c, p := b.Cursor(), []byte(prefix)
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		out = append(out, string(k))
	}
	return out
}

// NextSequence returns the next number of bucket's sequence (1, 2, …), which
// is kept with the bucket and never goes back.
func (t *Tx) NextSequence(bucket string) (uint64, error) {
	b, err := t.tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return 0, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return b.NextSequence()
}

// ErrAbort can be returned from an Update function to roll back silently.
var ErrAbort = errors.New("transaction aborted")
