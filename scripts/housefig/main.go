// Command housefig prints the figures issue 14 keeps the house to: the
// lines of non-test Go code of each package, the functions longer than
// the limit, and (when the `duplicates` command is installed) how many
// pairs of places under internal/ share six or more lines.
//
//	go run ./scripts/housefig [-pkg-limit 3000] [-func-limit 120]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	pkgLimit := flag.Int("pkg-limit", 3000, "lines of non-test code a package may have")
	funcLimit := flag.Int("func-limit", 120, "lines a function may have")
	flag.Parse()
	lines, funcs, err := measure(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "housefig:", err)
		os.Exit(1)
	}
	report(lines, funcs, *pkgLimit, *funcLimit)
	duplicatePairs()
}

type function struct {
	name  string // file:line name
	lines int
}

// measure walks the Go files under root, skipping tests, testdata and
// third_party (copies of other projects' modules, patched: not the house's
// code).
func measure(root string) (map[string]int, []function, error) {
	lines := map[string]int{}
	var funcs []function
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "third_party" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lines[filepath.Dir(p)] += bytes.Count(src, []byte("\n"))
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
				start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
				funcs = append(funcs, function{fmt.Sprintf("%s:%d %s", p, start.Line, fn.Name.Name), end.Line - start.Line + 1})
			}
		}
		return nil
	})
	return lines, funcs, err
}

func report(lines map[string]int, funcs []function, pkgLimit, funcLimit int) {
	dirs := make([]string, 0, len(lines))
	for d := range lines {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool { return lines[dirs[i]] > lines[dirs[j]] })
	fmt.Printf("packages over %d lines of non-test code:\n", pkgLimit)
	over := 0
	for _, d := range dirs {
		if lines[d] > pkgLimit {
			fmt.Printf("  %6d %s\n", lines[d], d)
			over++
		}
	}
	fmt.Printf("  %d (largest: %s, %d)\n", over, dirs[0], lines[dirs[0]])
	sort.Slice(funcs, func(i, j int) bool { return funcs[i].lines > funcs[j].lines })
	fmt.Printf("functions over %d lines:\n", funcLimit)
	n := 0
	for _, f := range funcs {
		if f.lines > funcLimit {
			fmt.Printf("  %4d %s\n", f.lines, f.name)
			n++
		}
	}
	fmt.Printf("  %d (longest: %d lines)\n", n, funcs[0].lines)
}

// duplicatePairs prints the first line of `duplicates` run on internal/.
func duplicatePairs() {
	if _, err := exec.LookPath("duplicates"); err != nil {
		fmt.Println("duplicate pairs under internal/: `duplicates` is not installed here")
		return
	}
	cmd := exec.Command("duplicates", "--seconds", "300")
	cmd.Dir = "internal"
	out, err := cmd.Output()
	if err != nil {
		fmt.Println("duplicate pairs under internal/:", err)
		return
	}
	first, _, _ := strings.Cut(string(out), "\n")
	fmt.Println("duplicate pairs under internal/:", first)
}
