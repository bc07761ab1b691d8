package reference

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

// FuzzParse: any string either parses to a normalised reference that
// parses again to itself (and whose familiar forms parse too), or is
// refused as an invalid parameter; the helpers never panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"busybox", "busybox:latest", "localhost:5000/a/b:t", "docker.io/library/x@sha256:" + strings.Repeat("a", 64), "UPPER", "a:b:c", "", "sha256:abc", "[::1]:5000/x", "a/../b"} {
		f.Add(s, "tag")
	}
	f.Fuzz(func(t *testing.T, s, tag string) {
		_ = Familiar(s)
		_ = FamiliarName(s)
		_ = Tag(s)
		_ = Digest(s)
		_ = Match(tag, s)
		_ = LooksLikeID(s)
		if _, err := ParseRepoTag(s, tag); err != nil && !errdefs.IsInvalidParameter(err) {
			t.Fatalf("ParseRepoTag(%q, %q): %v is not InvalidParameter", s, tag, err)
		}
		n, err := Parse(s)
		if err != nil {
			if !errdefs.IsInvalidParameter(err) {
				t.Fatalf("Parse(%q): %v is not InvalidParameter", s, err)
			}
			return
		}
		again, err := Parse(n.String())
		if err != nil || again.String() != n.String() {
			t.Fatalf("Parse(%q) = %q, which parses to %v, %v", s, n.String(), again, err)
		}
		if _, err := Parse(Familiar(n.String())); err != nil {
			t.Fatalf("familiar form %q of %q does not parse: %v", Familiar(n.String()), s, err)
		}
	})
}
