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
// PR_SET_NO_NEW_PRIVS (or holding CAP_SYS_ADMIN) is the caller's job. The
// usual order in a container's init, on one locked OS thread:
//
//	prog, err := seccomp.Compile(spec.Linux.Seccomp) // before any privilege is dropped: errors surface early
//	... setuid with PR_SET_KEEPCAPS, caps.Apply (see package caps) ...
//	prctl(PR_SET_NO_NEW_PRIVS, 1)                    // when process.noNewPrivileges
//	seccomp.Load(prog, spec.Linux.Seccomp.Flags)     // last, so the filter need not allow capset/prctl
//	execve
//
// Without noNewPrivileges the kernel demands CAP_SYS_ADMIN to load a
// filter, so Load must come before caps.Apply drops it, and the profile
// must then allow what remains (capset, prctl, setuid…, execve), as with
// runc.
//
// Syscall names that exist in Linux but not in the tables (architectures
// without a table, syscalls newer than Linux 6.15) are accepted and left
// out; names unknown to Linux are errors. Rules whose action equals the
// default action are dropped, as runc does. Syscalls numbered above every
// syscall the profile names return ENOSYS instead of the default action
// (unless that is allow/log/trace), so that a libc probing a newer syscall
// falls back, as runc does. A syscall through an ABI the profile does not
// list (an x32 syscall when only SCMP_ARCH_X86_64 is listed, an i386 one…)
// kills the process. The kernel's seccomp action cache makes syscalls that
// are allowed regardless of their arguments free after the first use, so
// the linear rule walk costs only for argument-checked or denied syscalls.
package seccomp
