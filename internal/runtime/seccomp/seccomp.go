package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Compile translates cfg into a seccomp BPF program. It is pure. An unknown
// architecture, syscall name, action or operator is an error naming it; an
// action the runtime cannot honour (SCMP_ACT_NOTIFY) is refused.
func Compile(cfg *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	return compile(cfg)
}
