package command

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
)

// ForEach runs fn for every name, in parallel as docker does (stopping
// ten containers takes one timeout, not ten), then prints each name on
// success in argument order (docker's output for stop, kill, rm, pause…)
// and collects the errors, printed one per line with exit status 1.
func ForEach(c Cli, names []string, fn func(name string) error) error {
	return Failures{}.ForEach(c, names, fn)
}

// Failures gathers the errors of a command that acts on each of its
// arguments, as docker reports them: one per line in the command's error
// (exit status 1). With Force, a not-found error is printed on the
// standard error at once and is no failure (rm -f, rmi -f).
type Failures struct {
	Force bool
	msgs  []string
}

// OK reports whether err is nil; a failure is kept for Err.
func (f *Failures) OK(c Cli, err error) bool {
	switch {
	case err == nil:
		return true
	case f.Force && cerrdefs.IsNotFound(err):
		fmt.Fprintln(c.Err(), err)
	default:
		f.msgs = append(f.msgs, err.Error())
	}
	return false
}

// Err is the failures kept, one per line, or nil.
func (f *Failures) Err() error {
	if len(f.msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(f.msgs, "\n"))
}

// ForEach is the package's ForEach with f's way of counting failures.
func (f Failures) ForEach(c Cli, names []string, fn func(name string) error) error {
	errs := Parallel(names, fn)
	for i, n := range names {
		if f.OK(c, errs[i]) {
			fmt.Fprintln(c.Out(), n)
		}
	}
	return f.Err()
}

// Parallel runs fn for every name with at most 8 at a time and returns the
// errors in the order of names.
func Parallel(names []string, fn func(name string) error) []error {
	errs := make([]error, len(names))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			errs[i] = fn(n)
			<-sem
		}()
	}
	wg.Wait()
	return errs
}
