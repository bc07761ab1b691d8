package depcheck

import "testing"

func TestRowMatching(t *testing.T) {
	rows := []row{
		{pattern: "internal/server/router/*", allowed: []string{"internal/server/httputil", "github.com/moby/moby/api"}},
		{pattern: "internal/server/router/system", allowed: []string{"internal/server/router/*"}},
	}
	if r := rowFor(rows, "internal/server/router/image"); r != &rows[0] {
		t.Errorf("router/image: got %v, want the pattern row", r)
	}
	if r := rowFor(rows, "internal/server/router/system"); r != &rows[1] {
		t.Errorf("router/system: got %v, want its own row", r)
	}
	if r := rowFor(rows, "internal/server/router/image/x"); r != nil {
		t.Errorf("a pattern row matches one level only, got %v", r)
	}
	for imp, want := range map[string]bool{
		"internal/server/httputil":        true,
		"internal/server/httputilx":       false,
		"github.com/moby/moby/api/types":  true,
		"github.com/moby/moby/apix":       false,
		"internal/server/router/image":    false,
		"github.com/moby/moby/api":        true,
		"internal/server/httputil/nested": false,
	} {
		if _, got := rows[0].allows(imp); got != want {
			t.Errorf("allows(%s) = %v, want %v", imp, got, want)
		}
	}
	if _, ok := rows[1].allows("internal/server/router/image"); !ok {
		t.Error("a pattern in the allowed list names each package directly below")
	}
}
