// Package content is the content-addressed blob store (sha256): ingest to a
// temporary name, verify, fsync, rename into place; read by digest. Opening
// the store removes interrupted ingests.
package content
