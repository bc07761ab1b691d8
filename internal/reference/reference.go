package reference

import (
	"fmt"
	"strings"

	dref "github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
)

// Named is a normalised image reference (docker.io/library/busybox:latest).
type Named = dref.Named

// Parse normalises s as Docker does: a missing domain becomes docker.io, a
// single-component path gets library/, and a reference without tag or digest
// gets the tag latest. Malformed references are errdefs.InvalidParameter.
func Parse(s string) (Named, error) {
	if s == "" {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid reference format: empty reference"))
	}
	n, err := dref.ParseNormalizedNamed(s)
	if err != nil {
		// The library's messages are Docker's ("invalid reference format: …").
		return nil, errdefs.InvalidParameter(err)
	}
	return dref.TagNameOnly(n), nil
}

// ParseRepoTag joins repo and tag (as the API's repo= and tag= parameters)
// and normalises the result. An empty tag means latest; a repo that already
// carries a tag or digest and a non-empty tag is an error.
func ParseRepoTag(repo, tag string) (Named, error) {
	n, err := dref.ParseNormalizedNamed(repo)
	if err != nil {
		return nil, errdefs.InvalidParameter(err)
	}
	if tag == "" {
		if _, ok := n.(dref.Canonical); ok {
			return nil, errdefs.InvalidParameter(fmt.Errorf("refusing to create a tag with a digest reference: %q", repo))
		}
		return dref.TagNameOnly(n), nil
	}
	if !dref.IsNameOnly(n) {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid reference format: %q already has a tag or digest", repo))
	}
	t, err := dref.WithTag(n, tag)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid tag format: %q: %w", tag, err))
	}
	return t, nil
}

// Normalize returns the normalised string form of s.
func Normalize(s string) (string, error) {
	n, err := Parse(s)
	if err != nil {
		return "", err
	}
	return n.String(), nil
}

// Familiar returns the short form Docker prints (busybox:latest) for a
// normalised reference string; unparsable input is returned unchanged.
func Familiar(s string) string {
	n, err := dref.ParseNormalizedNamed(s)
	if err != nil {
		return s
	}
	return dref.FamiliarString(n)
}

// FamiliarName returns the repository part in its short form (busybox).
func FamiliarName(s string) string {
	n, err := dref.ParseNormalizedNamed(s)
	if err != nil {
		return s
	}
	return dref.FamiliarName(n)
}

// Tag returns the tag of a normalised reference string, or "" (also when
// s does not parse: the nil reference is not Tagged).
func Tag(s string) string {
	n, _ := dref.ParseNormalizedNamed(s)
	if t, ok := n.(dref.Tagged); ok {
		return t.Tag()
	}
	return ""
}

// Digest returns the digest of a normalised reference string, or "" (also
// when s does not parse).
func Digest(s string) digest.Digest {
	n, _ := dref.ParseNormalizedNamed(s)
	if c, ok := n.(dref.Canonical); ok {
		return c.Digest()
	}
	return ""
}

// Match reports whether the reference ref matches the pattern as the
// reference= filter of docker images does (path.Match on the familiar name,
// with and without the tag).
func Match(pattern, ref string) bool {
	n, err := dref.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	ok, err := dref.FamiliarMatch(pattern, n)
	return err == nil && ok
}

// LooksLikeID reports whether s can be an image ID or an ID prefix: 1 to
// 64 lowercase hex digits, optionally after the sha256: algorithm. (A
// plain loop: the regexp's {1,64} compiled at every start of the binary,
// whatever its role.)
func LooksLikeID(s string) bool {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// TrimID returns the hex part of an ID string ("sha256:abc" → "abc").
func TrimID(s string) string {
	return strings.TrimPrefix(s, "sha256:")
}
