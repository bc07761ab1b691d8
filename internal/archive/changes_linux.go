package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// ChangeKind is the kind of a filesystem change.
type ChangeKind int

// Change kinds, in docker diff's order (C, A, D).
const (
	ChangeModify ChangeKind = iota
	ChangeAdd
	ChangeDelete
)

// Change is one changed path ("/etc/passwd").
type Change struct {
	Path string
	Kind ChangeKind
}

// ChangesDirs compares upper against lower (two full trees, as the copy
// driver keeps them) and returns the changes sorted by path. A deleted
// directory is reported once, not per child.
func ChangesDirs(lower, upper string) ([]Change, error) {
	var out []Change
	err := walkSorted(upper, func(rel string, fi fs.FileInfo) error {
		lfi, err := os.Lstat(filepath.Join(lower, rel))
		if errors.Is(err, fs.ErrNotExist) {
			out = append(out, Change{"/" + rel, ChangeAdd})
			return nil
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", rel, err)
		}
		if changed(lfi, fi, filepath.Join(lower, rel), filepath.Join(upper, rel)) {
			out = append(out, Change{"/" + rel, ChangeModify})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = walkSorted(lower, func(rel string, fi fs.FileInfo) error {
		if _, err := os.Lstat(filepath.Join(upper, rel)); errors.Is(err, fs.ErrNotExist) {
			out = append(out, Change{"/" + rel, ChangeDelete})
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// changed reports whether a path differs in type, permissions, owner, size,
// modification time or link target.
func changed(a, b fs.FileInfo, pa, pb string) bool {
	if a.Mode() != b.Mode() {
		return true
	}
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	if oka && okb {
		if sa.Uid != sb.Uid || sa.Gid != sb.Gid || sa.Rdev != sb.Rdev {
			return true
		}
		if sa.Mtim != sb.Mtim {
			return true
		}
	} else if !a.ModTime().Equal(b.ModTime()) {
		return true
	}
	if a.Mode().IsRegular() && a.Size() != b.Size() {
		return true
	}
	if a.Mode()&fs.ModeSymlink != 0 {
		la, _ := os.Readlink(pa)
		lb, _ := os.Readlink(pb)
		return la != lb
	}
	return false
}

// ChangesOverlay lists the changes recorded in an overlayfs upper directory
// over the lower directories lowers (top-most first).
func ChangesOverlay(upper string, lowers []string) ([]Change, error) {
	var out []Change
	err := walkSorted(upper, func(rel string, fi fs.FileInfo) error {
		if IsOverlayWhiteout(fi) {
			out = append(out, Change{"/" + rel, ChangeDelete})
			return nil
		}
		if inLowers(rel, lowers) {
			out = append(out, Change{"/" + rel, ChangeModify})
		} else {
			out = append(out, Change{"/" + rel, ChangeAdd})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inLowers reports whether rel is visible in the merged lower layers.
func inLowers(rel string, lowers []string) bool {
	for _, l := range lowers {
		fi, err := os.Lstat(filepath.Join(l, rel))
		if err != nil {
			// Hidden by an opaque parent in this layer?
			if opaqueAbove(l, rel) {
				return false
			}
			continue
		}
		return !IsOverlayWhiteout(fi)
	}
	return false
}

func opaqueAbove(layer, rel string) bool {
	for d := filepath.Dir(rel); d != "." && d != "/"; d = filepath.Dir(d) {
		if IsOverlayOpaque(filepath.Join(layer, d)) {
			return true
		}
	}
	return false
}
