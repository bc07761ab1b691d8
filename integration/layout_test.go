package integration

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// layoutPatterns reads the on-disk layout table of internal/daemon's
// package comment: "<data-root>/a/b, c/" lines become the patterns
// "data/a/b" and "data/a/c/"; items after the first of a line are relative
// to the first item's top directory; <id>, <name>, <n> and <short id> stand for
// one path element.
func layoutPatterns(t *testing.T) []*regexp.Regexp {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "internal", "daemon", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	split := regexp.MustCompile(`\s{2,}`)
	var out []*regexp.Regexp
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "//\t")
		var root string
		switch {
		case strings.HasPrefix(line, "<data-root>/"):
			root = "data"
		case strings.HasPrefix(line, "<exec-root>/"):
			root = "exec"
		default:
			continue
		}
		spec := strings.TrimPrefix(split.Split(line, 2)[0], "<"+root+"-root>/")
		spec = strings.TrimPrefix(spec, "<exec-root>/")
		items := strings.Split(spec, ", ")
		dir, _, nested := strings.Cut(items[0], "/")
		for i, it := range items {
			if i > 0 && nested {
				it = dir + "/" + it
			}
			out = append(out, layoutRegexp(root+"/"+strings.TrimSuffix(it, "/")))
		}
	}
	if len(out) < 10 {
		t.Fatalf("read %d layout rows from internal/daemon/doc.go", len(out))
	}
	return out
}

var placeholder = regexp.MustCompile(`<[a-z ]+>`)

// layoutRegexp matches p, its ancestors and everything below it.
func layoutRegexp(p string) *regexp.Regexp {
	parts := strings.Split(p, "/")
	expr := ""
	for i, part := range parts {
		quoted := placeholder.ReplaceAllString(regexp.QuoteMeta(part), "[^/]+")
		if i == 0 {
			expr = quoted
			continue
		}
		expr += "(/" + quoted
	}
	return regexp.MustCompile("^" + expr + "(/.*)?" + strings.Repeat(")?", len(parts)-1) + "$")
}

// TestDataRootLayoutIsDocumented: after containers (with --init, a volume,
// a user network), a build and a pull of nothing more than busybox, every
// path in the data root and the exec root is one the layout table of
// internal/daemon's package comment names.
func TestDataRootLayoutIsDocumented(t *testing.T) {
	pats := layoutPatterns(t)
	d := startDaemon(t)
	d.importBusybox()
	d.unmountVolumesOnCleanup()
	d.mustDocker("volume", "create", "lay-v")
	d.mustDocker("network", "create", "lay-n")
	d.mustDocker("run", "-d", "--name", "lay-c", "--init", "--network", "lay-n", "-v", "lay-v:/v", "busybox", "sleep", "60")
	d.mustDocker("run", "--name", "lay-done", "busybox", "true")
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN echo hi > /x\n")
	d.mustBuild("-t", "lay-img", dir)
	documented := func(rel string) bool {
		for _, re := range pats {
			if re.MatchString(rel) {
				return true
			}
		}
		return false
	}
	var undocumented []string
	for root, top := range map[string]string{"data": d.root, "exec": d.execRoot} {
		err := filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(top, p)
			name := root + "/" + filepath.ToSlash(rel)
			if rel == "." {
				return nil
			}
			if !documented(name) {
				undocumented = append(undocumented, name)
				if e.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(undocumented) > 0 {
		t.Errorf("paths the layout table of internal/daemon/doc.go does not name:\n%s", strings.Join(undocumented, "\n"))
	}
	// The table is not vacuous: a stray name is caught.
	if documented("data/stray.db") || documented("exec/stray") || !documented("data/snapshots/snapshots/7/fs/bin") {
		t.Error("the layout patterns match names the table does not give")
	}
}
