package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// FilterTar copies the tar stream r without the entries for which drop
// returns true; drop gets the entry's path in absolute form ("/etc/hosts").
// Whiteouts of a dropped path (.wh.<name>) are dropped as well.
func FilterTar(r io.Reader, drop func(p string) bool) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(filterTar(r, pw, drop))
	}()
	return pr
}

func filterTar(r io.Reader, w io.Writer, drop func(string) bool) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar stream: %w", err)
		}
		p := "/" + strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if kind, target := ParseWhiteout(strings.TrimPrefix(p, "/")); kind == Whiteout {
			p = "/" + target
		}
		if drop(p) {
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write tar header %s: %w", hdr.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("copy %s: %w", hdr.Name, err)
		}
	}
	return tw.Close()
}
