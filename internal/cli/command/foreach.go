package command

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ForEach runs fn for every name, in parallel as docker does (stopping
// ten containers takes one timeout, not ten), then prints each name on
// success in argument order (docker's output for stop, kill, rm, pause…)
// and collects the errors, printed one per line with exit status 1.
func ForEach(c Cli, names []string, fn func(name string) error) error {
	errs := Parallel(names, fn)
	var msgs []string
	for i, n := range names {
		if errs[i] != nil {
			msgs = append(msgs, errs[i].Error())
			continue
		}
		fmt.Fprintln(c.Out(), n)
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "\n"))
	}
	return nil
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
