package archive

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compression is a stream compression format.
type Compression int

// The compressions DecompressStream recognises by their magic numbers.
const (
	Uncompressed Compression = iota
	Gzip
	Bzip2
	Xz
	Zstd
)

// String returns the name of the compression.
func (c Compression) String() string {
	return [...]string{"uncompressed", "gzip", "bzip2", "xz", "zstd"}[c]
}

// DetectCompression reports the compression of a stream from its first bytes.
func DetectCompression(b []byte) Compression {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return Gzip
	case bytes.HasPrefix(b, []byte("BZh")):
		return Bzip2
	case bytes.HasPrefix(b, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return Xz
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	}
	return Uncompressed
}

// DecompressStream returns a reader of the decompressed content of r, which
// may be plain, gzip, bzip2, xz or zstd.
func DecompressStream(r io.Reader) (io.ReadCloser, Compression, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(10)
	if err != nil && err != io.EOF {
		return nil, Uncompressed, fmt.Errorf("read stream header: %w", err)
	}
	c := DetectCompression(head)
	switch c {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("open gzip stream: %w", err)
		}
		return zr, c, nil
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(br)), c, nil
	case Xz:
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("open xz stream: %w", err)
		}
		return io.NopCloser(xr), c, nil
	case Zstd:
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("open zstd stream: %w", err)
		}
		return zr.IOReadCloser(), c, nil
	}
	return io.NopCloser(br), c, nil
}
