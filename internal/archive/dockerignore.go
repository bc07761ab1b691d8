package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Dockerignore reads the .dockerignore of the build context dir; nil when
// there is none or it is empty.
func Dockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	if len(patterns) == 0 {
		return nil, nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("parse .dockerignore: %w", err)
	}
	return pm, nil
}

// WalkContext walks the build context dir in lexical order, links not
// followed, and calls fn with each path below dir, its slash-separated
// name relative to dir and its entry, leaving out what pm excludes: an
// excluded directory is passed over whole unless pm has exceptions (then
// what is under it is matched name by name). A name for which keep says
// true is never left out; a nil pm or keep leaves out nothing, or keeps
// nothing in particular. The CLI walks this way to send a context, the
// builder to mirror one.
func WalkContext(dir string, pm *patternmatcher.PatternMatcher, keep func(name string) bool, fn func(p, name string, d fs.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		name := filepath.ToSlash(rel)
		if pm != nil && (keep == nil || !keep(name)) {
			skip, err := pm.MatchesOrParentMatches(name)
			if err != nil {
				return err
			}
			if skip {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		return fn(p, name, d)
	})
}
