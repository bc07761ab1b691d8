package content

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
)

func TestIngestReadDelete(t *testing.T) {
	ctx := context.Background()
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.WriteBlob(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if d != digest.FromString("hello") {
		t.Fatalf("digest %s", d)
	}
	b, err := s.ReadBlob(ctx, d)
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q %v", b, err)
	}
	if n, _ := s.Size(ctx, d); n != 5 {
		t.Fatalf("size %d", n)
	}
	if err := s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadBlob(ctx, d); !errdefs.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestIngestMismatchLeavesNothing(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := New(root)
	_, _, err := s.Ingest(ctx, strings.NewReader("abc"), digest.FromString("xyz"))
	if !errdefs.IsInvalidParameter(err) {
		t.Fatalf("expected mismatch, got %v", err)
	}
	if s.Has(ctx, digest.FromString("abc")) {
		t.Fatal("mismatched blob stored")
	}
	ents, _ := os.ReadDir(filepath.Join(root, "ingest"))
	if len(ents) != 0 {
		t.Fatalf("ingest leftovers: %v", ents)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	root := t.TempDir()
	if _, err := New(root); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(root, "ingest", "blob-123")
	os.WriteFile(left, []byte("partial"), 0o600)
	if _, err := New(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); err == nil {
		t.Fatal("leftover ingest file survived reopen")
	}
}
