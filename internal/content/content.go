package content

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/ctxio"
	"github.com/berth/berth/internal/errdefs"
)

// Store keeps blobs under root:
//
//	root/blobs/sha256/<hex>   committed blobs, read-only, named by digest
//	root/ingest/<random>      blobs being written; removed on open (a crash
//	                          mid-ingest leaves nothing behind)
type Store struct {
	root string
}

// New opens (creating if needed) the content store at root and removes
// leftovers of interrupted ingests.
func New(root string) (*Store, error) {
	s := &Store{root: root}
	if err := os.MkdirAll(filepath.Join(root, "blobs", "sha256"), 0o700); err != nil {
		return nil, fmt.Errorf("create content store %s: %w", root, err)
	}
	if err := os.RemoveAll(s.ingestDir()); err != nil {
		return nil, fmt.Errorf("clean ingest dir: %w", err)
	}
	if err := os.MkdirAll(s.ingestDir(), 0o700); err != nil {
		return nil, fmt.Errorf("create ingest dir: %w", err)
	}
	return s, nil
}

func (s *Store) ingestDir() string { return filepath.Join(s.root, "ingest") }

// Path returns the file path of the blob dgst (which may not exist).
func (s *Store) Path(dgst digest.Digest) (string, error) {
	if err := dgst.Validate(); err != nil {
		return "", errdefs.InvalidParameter(fmt.Errorf("invalid digest %q: %w", dgst, err))
	}
	if dgst.Algorithm() != digest.SHA256 {
		return "", errdefs.InvalidParameter(fmt.Errorf("unsupported digest algorithm %q", dgst.Algorithm()))
	}
	return filepath.Join(s.root, "blobs", "sha256", dgst.Encoded()), nil
}

// Ingest copies r into the store. If expected is not empty the content must
// have that digest, else nothing is stored. It returns the digest and size.
// The blob is written to a temporary file, synced and renamed into place.
func (s *Store) Ingest(ctx context.Context, r io.Reader, expected digest.Digest) (digest.Digest, int64, error) {
	f, err := os.CreateTemp(s.ingestDir(), "blob-")
	if err != nil {
		return "", 0, fmt.Errorf("create ingest file: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxio.Reader(ctx, r))
	if err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	dgst := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
	if expected != "" && expected != dgst {
		return "", 0, errdefs.InvalidParameter(fmt.Errorf("blob digest mismatch: expected %s, got %s", expected, dgst))
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("sync blob %s: %w", dgst, err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("close blob %s: %w", dgst, err)
	}
	target, _ := s.Path(dgst)
	if _, err := os.Stat(target); err == nil {
		os.Remove(tmp)
		done = true
		return dgst, n, nil
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		return "", 0, fmt.Errorf("chmod blob %s: %w", dgst, err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return "", 0, fmt.Errorf("commit blob %s: %w", dgst, err)
	}
	done = true
	return dgst, n, nil
}

// WriteBlob stores data and returns its digest.
func (s *Store) WriteBlob(ctx context.Context, data []byte) (digest.Digest, error) {
	d, _, err := s.Ingest(ctx, bytesReader(data), "")
	return d, err
}

// Open opens the blob dgst for reading; a missing blob is errdefs.NotFound.
func (s *Store) Open(ctx context.Context, dgst digest.Digest) (*os.File, error) {
	p, err := s.Path(dgst)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(fmt.Errorf("blob %s: not found", dgst))
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", dgst, err)
	}
	return f, nil
}

// ReadBlob returns the whole content of the blob dgst.
func (s *Store) ReadBlob(ctx context.Context, dgst digest.Digest) ([]byte, error) {
	f, err := s.Open(ctx, dgst)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Size returns the size of the blob dgst; a missing blob is errdefs.NotFound.
func (s *Store) Size(ctx context.Context, dgst digest.Digest) (int64, error) {
	p, err := s.Path(dgst)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errdefs.NotFound(fmt.Errorf("blob %s: not found", dgst))
	}
	if err != nil {
		return 0, fmt.Errorf("stat blob %s: %w", dgst, err)
	}
	return fi.Size(), nil
}

// Has reports whether the blob dgst is stored.
func (s *Store) Has(ctx context.Context, dgst digest.Digest) bool {
	_, err := s.Size(ctx, dgst)
	return err == nil
}

// Delete removes the blob dgst; deleting a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, dgst digest.Digest) error {
	p, err := s.Path(dgst)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", dgst, err)
	}
	return nil
}

// Walk calls fn for every committed blob.
func (s *Store) Walk(ctx context.Context, fn func(digest.Digest, int64) error) error {
	ents, err := os.ReadDir(filepath.Join(s.root, "blobs", "sha256"))
	if err != nil {
		return fmt.Errorf("list blobs: %w", err)
	}
	for _, e := range ents {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if d.Validate() != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if err := fn(d, info.Size()); err != nil {
			return err
		}
	}
	return nil
}

// Adopt puts the file f, whose content the caller has verified to have
// digest dgst, into the store by hard-linking it (after syncing it), so
// that a blob already on the same filesystem is not copied. When linking
// is impossible (another filesystem) the content is copied and verified.
func (s *Store) Adopt(ctx context.Context, f *os.File, dgst digest.Digest) error {
	target, err := s.Path(dgst)
	if err != nil {
		return err
	}
	if _, err := os.Stat(target); err == nil {
		return nil
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync blob %s: %w", dgst, err)
	}
	// Link under a scratch name of its own (another load may adopt the
	// same blob at once), then rename: the blob appears complete.
	dir, err := os.MkdirTemp(s.ingestDir(), "adopt-")
	if err != nil {
		return fmt.Errorf("commit blob %s: %w", dgst, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "blob")
	if err := os.Link(f.Name(), tmp); err == nil {
		_ = os.Chmod(tmp, 0o444)
		if err := os.Rename(tmp, target); err != nil {
			return fmt.Errorf("commit blob %s: %w", dgst, err)
		}
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind blob %s: %w", dgst, err)
	}
	_, _, err = s.Ingest(ctx, f, dgst)
	return err
}
