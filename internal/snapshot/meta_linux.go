package snapshot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
)

// Metadata schema (root/metadata.db, bbolt):
//
//	bucket "snapshots": key → JSON record{ID, Kind, Parent, Created, Size}
//
// The directory of a snapshot is root/snapshots/<ID>, where ID is a number
// from the bucket's sequence (short, so that long overlay lowerdir lists
// fit in a page). A directory without a record is garbage from a crash and
// is removed on open.
const bucketSnapshots = "snapshots"

type record struct {
	ID      uint64    `json:"id"`
	Kind    Kind      `json:"kind"`
	Parent  string    `json:"parent,omitempty"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size,omitempty"`
}

func (r record) dir() string { return strconv.FormatUint(r.ID, 10) }

func getRecord(tx *store.Tx, key string) (record, error) {
	var r record
	err := tx.Get(bucketSnapshots, key, &r)
	if errdefs.IsNotFound(err) {
		return r, errdefs.NotFound(fmt.Errorf("snapshot %s: not found", key))
	}
	return r, err
}

// chain returns the records of key's parents, nearest first.
func chain(tx *store.Tx, parent string) ([]record, error) {
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

func hasChildren(tx *store.Tx, key string) (bool, error) {
	found := false
	err := tx.ForEach(bucketSnapshots, func(k string, v []byte) error {
		var r record
		if json.Unmarshal(v, &r) == nil && r.Parent == key {
			found = true
		}
		return nil
	})
	return found, err
}
