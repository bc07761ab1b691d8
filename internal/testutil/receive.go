package testutil

import (
	"testing"
	"time"
)

// Receive returns the next value from ch, or fails t when none comes
// within timeout; what names the awaited value in the failure.
func Receive[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("no %s within %s", what, timeout)
		var zero T
		return zero
	}
}
