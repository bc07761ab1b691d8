package snapshot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth/berth/internal/errdefs"
)

// Metadata schema (root/metadata.db, bbolt):
//
//	bucket "snapshots": key → JSON record{ID, Kind, Parent, Created, Size}
//
// The directory of a snapshot is root/snapshots/<ID>, where ID is a number
// from the bucket's sequence (short, so that long overlay lowerdir lists
// fit in a page). A directory without a record is garbage from a crash and
// is removed on open.
var bucketSnapshots = []byte("snapshots")

type record struct {
	ID      uint64    `json:"id"`
	Kind    Kind      `json:"kind"`
	Parent  string    `json:"parent,omitempty"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size,omitempty"`
}

func (r record) dir() string { return strconv.FormatUint(r.ID, 10) }

func getRecord(tx *bolt.Tx, key string) (record, error) {
	var r record
	v := tx.Bucket(bucketSnapshots).Get([]byte(key))
	if v == nil {
		return r, errdefs.NotFound(fmt.Errorf("snapshot %s: not found", key))
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("decode snapshot %s: %w", key, err)
	}
	return r, nil
}

func putRecord(tx *bolt.Tx, key string, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSnapshots).Put([]byte(key), b)
}

// chain returns the records of key's parents, nearest first.
func chain(tx *bolt.Tx, parent string) ([]record, error) {
	var out []record
	for parent != "" {
		r, err := getRecord(tx, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		parent = r.Parent
	}
	return out, nil
}

func hasChildren(tx *bolt.Tx, key string) (bool, error) {
	found := false
	err := tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var r record
		if json.Unmarshal(v, &r) == nil && r.Parent == key {
			found = true
		}
		return nil
	})
	return found, err
}
