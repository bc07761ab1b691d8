// Package content is the content-addressed blob store (sha256): ingest to a
// temporary name, verify, rename into place; read by digest.
package content
