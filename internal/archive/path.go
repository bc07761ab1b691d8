package archive

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"

	"github.com/berth/berth/internal/errdefs"
)

// CleanEntryName validates a tar entry name and returns it cleaned and
// relative ("a/b"). Names that are empty, hold a NUL byte, are absolute or
// climb out of the root with "..", and whiteouts whose target is the root
// or above (".wh.", ".wh..", ".wh...") or that are used as a directory
// ("a/.wh.b/c") are rejected with errdefs.InvalidParameter naming the
// entry. "." names the root itself and yields "".
func CleanEntryName(name string) (string, error) {
	bad := func(why string) error {
		return errdefs.InvalidParameter(fmt.Errorf("invalid layer entry %q: %s", name, why))
	}
	switch {
	case name == "":
		return "", bad("empty name")
	case strings.IndexByte(name, 0) >= 0:
		return "", bad("name holds a NUL byte")
	case strings.HasPrefix(name, "/"):
		return "", bad("absolute path not allowed")
	}
	parts := strings.Split(strings.TrimSuffix(name, "/"), "/")
	for i, part := range parts {
		if part == ".." {
			return "", bad("path escapes the layer root")
		}
		if !strings.HasPrefix(part, WhiteoutPrefix) {
			continue
		}
		last := i == len(parts)-1
		target := strings.TrimPrefix(part, WhiteoutPrefix)
		switch {
		case !last && !strings.HasPrefix(part, WhiteoutMeta):
			return "", bad("a whiteout cannot be a directory")
		case last && (target == "" || target == "." || target == ".."):
			return "", bad("whiteout names the layer root or its parent")
		}
	}
	c := path.Clean(name)
	if c == "." {
		return "", nil
	}
	return c, nil
}

// CheckEntry validates the tar header hdr before anything is written: its
// name (CleanEntryName), that only a directory may name the root, and the
// target of a hard link. It returns the cleaned name ("" for the root and
// for a PAX global header: nothing to write).
func CheckEntry(hdr *tar.Header) (string, error) {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return "", nil // a PAX global header writes nothing
	}
	name, err := CleanEntryName(hdr.Name)
	if err != nil {
		return "", err
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeXHeader:
	default:
		if name == "" {
			return "", errdefs.InvalidParameter(fmt.Errorf("invalid layer entry %q: a non-directory cannot replace the layer root", hdr.Name))
		}
	}
	if hdr.Typeflag == tar.TypeLink {
		ln, err := CleanEntryName(strings.TrimPrefix(hdr.Linkname, "/"))
		if err != nil || ln == "" {
			return "", errdefs.InvalidParameter(fmt.Errorf("invalid layer entry %q: invalid hard link target %q", hdr.Name, hdr.Linkname))
		}
	}
	return name, nil
}
