package archive

import (
	"path"
	"strings"
)

// OCI/AUFS whiteout names, as they appear in layer tars.
const (
	WhiteoutPrefix = ".wh."                      // .wh.<name> deletes <name> of lower layers
	WhiteoutOpaque = WhiteoutPrefix + ".wh..opq" // .wh..wh..opq hides all lower content of its directory
	// WhiteoutMeta prefixes AUFS metadata entries (.wh..wh.*), which are
	// skipped except for the opaque marker.
	WhiteoutMeta = WhiteoutPrefix + WhiteoutPrefix

	// OverlayOpaqueXattr marks an overlayfs directory as opaque.
	OverlayOpaqueXattr = "trusted.overlay.opaque"
)

// WhiteoutKind classifies a layer tar entry name.
type WhiteoutKind int

// Kinds of tar entries with respect to whiteouts.
const (
	NotWhiteout    WhiteoutKind = iota
	Whiteout                    // .wh.<name>: delete <name>
	OpaqueWhiteout              // .wh..wh..opq: make the directory opaque
	MetaWhiteout                // other .wh..wh.* entries: skip
)

// ParseWhiteout classifies the tar entry name and returns the path it
// applies to: the deleted path for Whiteout, the directory for
// OpaqueWhiteout.
func ParseWhiteout(name string) (WhiteoutKind, string) {
	dir, base := path.Split(strings.TrimSuffix(name, "/"))
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case base == WhiteoutOpaque:
		return OpaqueWhiteout, dir
	case strings.HasPrefix(base, WhiteoutMeta):
		return MetaWhiteout, ""
	case strings.HasPrefix(base, WhiteoutPrefix):
		return Whiteout, path.Join(dir, strings.TrimPrefix(base, WhiteoutPrefix))
	}
	return NotWhiteout, name
}

// WhiteoutName returns the tar entry name that deletes p.
func WhiteoutName(p string) string {
	dir, base := path.Split(p)
	return path.Join(dir, WhiteoutPrefix+base)
}

// OpaqueName returns the tar entry name that makes dir opaque.
func OpaqueName(dir string) string {
	return path.Join(dir, WhiteoutOpaque)
}
