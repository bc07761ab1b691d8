package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// OpenVolatile opens a bbolt file for state that lives only as long as the
// processes it describes (under the exec root, usually a tmpfs): writes
// are transactions, so a crashed daemon reads whole records, but they are
// not fsynced, since a power loss ends those processes too.
func OpenVolatile(path string, buckets ...string) (*DB, error) {
	return open(path, "state store", &bolt.Options{Timeout: 5 * time.Second, NoSync: true, NoFreelistSync: true}, buckets)
}
