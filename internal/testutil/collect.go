package testutil

import "testing"

// Collect returns every item that read hands to yield, and fails t if read
// returns an error: the items of a reader that calls back once per item
// (a log's messages, say).
func Collect[T any](t testing.TB, read func(yield func(T) error) error) []T {
	t.Helper()
	var out []T
	if err := read(func(v T) error {
		out = append(out, v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
