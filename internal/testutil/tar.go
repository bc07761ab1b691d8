package testutil

import (
	"archive/tar"
	"bytes"
	"io"
	"sort"
	"testing"
)

// TarEntry is one entry of a test tar stream: a regular file holding Body,
// a directory when Name ends in "/", a symbolic link to Link when Link is
// set.
type TarEntry struct{ Name, Body, Link string }

// Tar writes entries, in the order given, into a tar stream.
func Tar(t testing.TB, ents ...TarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.Body))}
		switch {
		case e.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
		case e.Name[len(e.Name)-1] == '/':
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.Body[:h.Size])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TarFiles writes files (name to content; a name ending in "/" is a
// directory) into a tar stream, in name order.
func TarFiles(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	ents := make([]TarEntry, len(names))
	for i, n := range names {
		ents[i] = TarEntry{Name: n, Body: files[n]}
	}
	return Tar(t, ents...)
}

// TarNames reads a tar stream into a map of entry name to content.
func TarNames(t testing.TB, r io.Reader) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = string(b)
	}
}
