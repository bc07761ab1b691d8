package command

import (
	"archive/tar"
	"io"
	"os"
)

// WriteTarEntry writes the file p, whose lstat is fi, to tw as the entry
// name (a directory's name ends in "/", a symlink keeps its target, a
// regular file its contents) and returns the bytes of file data written:
// the one way build contexts and cp archives are made.
func WriteTarEntry(tw *tar.Writer, p, name string, fi os.FileInfo) (int64, error) {
	link := ""
	if fi.Mode()&os.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(p); err != nil {
			return 0, err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return 0, err
	}
	hdr.Name = name
	if fi.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(tw, f)
}
