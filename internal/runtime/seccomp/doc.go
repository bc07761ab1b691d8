// Package seccomp compiles the OCI runtime spec's linux.seccomp section into
// a classic BPF program and installs it.
//
// Compile is pure: it resolves syscall names with the architecture tables of
// github.com/elastic/go-seccomp-bpf and assembles the program by hand,
// because that library handles one architecture per filter and no errno
// values per rule. The program checks seccomp_data.arch (x86_64 and x32
// share one audit arch and are told apart by the x32 syscall bit), loads the
// syscall number and walks the rules in spec order; the first rule whose
// name and argument conditions match decides. Conditions in one rule are
// ANDed, except that several conditions on the same argument index are
// split into separate rules (ORed), as runc does.
//
// Load installs a compiled program on the calling thread. Setting
// PR_SET_NO_NEW_PRIVS (or holding CAP_SYS_ADMIN) is the caller's job.
package seccomp
