package rlimit

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestNames(t *testing.T) {
	if r, ok := Resource("RLIMIT_NOFILE"); !ok || r != unix.RLIMIT_NOFILE {
		t.Fatalf("Resource(RLIMIT_NOFILE) = %d, %v", r, ok)
	}
	if _, ok := Resource("RLIMIT_BOGUS"); ok {
		t.Fatal("RLIMIT_BOGUS known")
	}
	for _, n := range []string{"nofile", "NPROC", "msgqueue", "rttime"} {
		if !IsUlimit(n) {
			t.Errorf("--ulimit %s refused", n)
		}
	}
	for _, n := range []string{"bogus", "", "RLIMIT_NOFILE"} {
		if IsUlimit(n) {
			t.Errorf("--ulimit %q accepted", n)
		}
	}
}
