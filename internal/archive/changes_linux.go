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

// Entry is one path of a tree read by ReadTree: its name relative to the
// tree's root, its lstat and, for a symlink, its target.
type Entry struct {
	Rel  string
	Info fs.FileInfo
	Link string
}

// ReadTree lists every path under dir, parents before children, in lexical
// order. A container's layer is read with it on a thread chrooted into the
// layer (mount.InRoot), then compared with the immutable layers below it by
// ChangesDirs or ChangesOverlay outside the chroot.
func ReadTree(dir string) ([]Entry, error) {
	var out []Entry
	err := walkSorted(dir, func(rel string, fi fs.FileInfo) error {
		e := Entry{Rel: rel, Info: fi}
		if fi.Mode()&fs.ModeSymlink != 0 {
			l, err := os.Readlink(filepath.Join(dir, rel))
			if err != nil {
				return fmt.Errorf("read link %s: %w", rel, err)
			}
			e.Link = l
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// ChangesDirs compares upper (read by ReadTree) against the tree lower (two
// full trees, as the copy driver keeps them) and returns the changes sorted
// by path. A deleted directory is reported once, not per child.
func ChangesDirs(lower string, upper []Entry) ([]Change, error) {
	var out []Change
	inUpper := make(map[string]bool, len(upper))
	for _, e := range upper {
		inUpper[e.Rel] = true
		lp := filepath.Join(lower, e.Rel)
		lfi, err := os.Lstat(lp)
		if errors.Is(err, fs.ErrNotExist) {
			out = append(out, Change{"/" + e.Rel, ChangeAdd})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", e.Rel, err)
		}
		if changed(lfi, lp, e) {
			out = append(out, Change{"/" + e.Rel, ChangeModify})
		}
	}
	err := walkSorted(lower, func(rel string, fi fs.FileInfo) error {
		if !inUpper[rel] {
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

// changed reports whether the upper entry b differs from the lower file a
// (at path pa) in type, permissions, owner, size, modification time or
// link target.
func changed(a fs.FileInfo, pa string, b Entry) bool {
	if a.Mode() != b.Info.Mode() {
		return true
	}
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Info.Sys().(*syscall.Stat_t)
	if oka && okb {
		if sa.Uid != sb.Uid || sa.Gid != sb.Gid || sa.Rdev != sb.Rdev {
			return true
		}
		if sa.Mtim != sb.Mtim {
			return true
		}
	} else if !a.ModTime().Equal(b.Info.ModTime()) {
		return true
	}
	if a.Mode().IsRegular() && a.Size() != b.Info.Size() {
		return true
	}
	if a.Mode()&fs.ModeSymlink != 0 {
		la, _ := os.Readlink(pa)
		return la != b.Link
	}
	return false
}

// ChangesOverlay lists the changes recorded in an overlayfs upper directory
// (read by ReadTree) over the lower directories lowers (top-most first).
func ChangesOverlay(upper []Entry, lowers []string) []Change {
	out := make([]Change, 0, len(upper))
	for _, e := range upper {
		switch {
		case IsOverlayWhiteout(e.Info):
			out = append(out, Change{"/" + e.Rel, ChangeDelete})
		case inLowers(e.Rel, lowers):
			out = append(out, Change{"/" + e.Rel, ChangeModify})
		default:
			out = append(out, Change{"/" + e.Rel, ChangeAdd})
		}
	}
	return out
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
