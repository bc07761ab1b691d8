package depcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/berth/berth/"

// thirdPartyChecked are the packages (and those below them) whose
// third-party imports must be listed in their row too.
var thirdPartyChecked = []string{"internal/runtime", "internal/server", "internal/cli"}

// row is one line of the package table of ARCHITECTURE.md.
type row struct {
	pattern string   // "internal/x", or "internal/x/*" for each package directly below
	allowed []string // berth packages and patterns, third-party module paths
	line    int
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readTable parses the rows of ARCHITECTURE.md's package table: a row starts
// with "| `pkg`" and its last cell names, in backticks, what pkg may import.
func readTable(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			return nil, fmt.Errorf("%s:%d: a package row has 3 cells (package, owns, may import), not %d", path, n, len(cells))
		}
		r := row{pattern: strings.Trim(strings.TrimSpace(cells[0]), "`"), line: n}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			r.allowed = append(r.allowed, m[1])
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// match reports whether package p is named by pattern.
func match(pattern, p string) bool {
	if parent, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(p, parent+"/") && !strings.Contains(p[len(parent)+1:], "/")
	}
	return p == pattern
}

// rowFor returns the row of package p: its own, else the pattern row.
func rowFor(rows []row, p string) *row {
	var found *row
	for i := range rows {
		if rows[i].pattern == p {
			return &rows[i]
		}
		if match(rows[i].pattern, p) {
			found = &rows[i]
		}
	}
	return found
}

// allows reports whether r lists import imp: a berth package by name or
// pattern, a third-party package by its path or one of its parents. It
// returns the entry that allows it.
func (r *row) allows(imp string) (string, bool) {
	for _, a := range r.allowed {
		if match(a, imp) || (strings.Contains(a, ".") && (imp == a || strings.HasPrefix(imp, a+"/"))) {
			return a, true
		}
	}
	return "", false
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list returned %d packages; expected the whole module", len(pkgs))
	}
	return pkgs
}

// TestImportRules checks every package's non-test imports against its row,
// and that every entry of a row is used: the table is the house as built.
func TestImportRules(t *testing.T) {
	rows, err := readTable(filepath.Join("..", "..", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[*row]bool{}
	usedEntry := map[*row]map[string]bool{}
	for _, p := range listPackages(t) {
		self := strings.TrimPrefix(p.ImportPath, module)
		r := rowFor(rows, self)
		if r == nil {
			t.Errorf("%s has no row in ARCHITECTURE.md's package table", self)
			continue
		}
		used[r] = true
		if usedEntry[r] == nil {
			usedEntry[r] = map[string]bool{}
		}
		for _, imp := range p.Imports {
			dep, berth := strings.CutPrefix(imp, module)
			if !berth && !thirdParty(imp) {
				continue // the standard library
			}
			if !berth && !checksThirdParty(self) {
				continue
			}
			entry, ok := r.allows(dep)
			if !ok {
				t.Errorf("%s imports %s, which its row (ARCHITECTURE.md:%d) does not allow", self, dep, r.line)
			}
			usedEntry[r][entry] = true
		}
	}
	for i := range rows {
		r := &rows[i]
		if !used[r] {
			t.Errorf("ARCHITECTURE.md:%d: row %s names no package of the module", r.line, r.pattern)
		}
		for _, a := range r.allowed {
			if used[r] && !usedEntry[r][a] {
				t.Errorf("ARCHITECTURE.md:%d: row %s allows %s, which none of its packages imports", r.line, r.pattern, a)
			}
		}
	}
}

// thirdParty reports whether an import path is outside the standard
// library (its first element has a dot).
func thirdParty(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return strings.Contains(first, ".")
}

func checksThirdParty(p string) bool {
	for _, c := range thirdPartyChecked {
		if p == c || strings.HasPrefix(p, c+"/") {
			return true
		}
	}
	return false
}
