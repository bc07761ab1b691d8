package seccomp

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// run executes prog in x/net/bpf's VM on a synthetic seccomp_data and
// returns what the kernel would act on.
func run(t *testing.T, prog []unix.SockFilter, auditArch uint32, nr int, args ...uint64) uint32 {
	t.Helper()
	raw := make([]bpf.RawInstruction, len(prog))
	for i, f := range prog {
		raw[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("program does not disassemble")
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatalf("load program in VM: %v", err)
	}
	// The kernel loads 32-bit words in host order (little endian here);
	// the VM loads them big endian, so each word is stored big endian at
	// the offset the kernel would find it: args low word first.
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], uint32(nr))
	binary.BigEndian.PutUint32(data[4:], auditArch)
	for i, a := range args {
		binary.BigEndian.PutUint32(data[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(data[16+8*i+4:], uint32(a>>32))
	}
	out, err := vm.Run(data)
	if err != nil {
		t.Fatalf("run program: %v", err)
	}
	return uint32(out)
}

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func uintp(v uint) *uint { return &v }

const (
	x86_64 = uint32(unix.AUDIT_ARCH_X86_64)
	i386   = uint32(unix.AUDIT_ARCH_I386)
)

func nr(t *testing.T, table map[string]int, name string) int {
	t.Helper()
	n, ok := table[name]
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	return n
}

func TestCompileBasicAllowList(t *testing.T) {
	prog, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write"}, Action: specs.ActAllow},
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES))},
			{Names: []string{"ptrace"}, Action: specs.ActKillProcess},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tab := arch.X86_64.SyscallNames
	cases := []struct {
		name string
		want uint32
	}{
		{"read", unix.SECCOMP_RET_ALLOW},
		{"write", unix.SECCOMP_RET_ALLOW},
		{"mkdir", errnoRet(unix.EACCES)},
		{"ptrace", unix.SECCOMP_RET_KILL_PROCESS},
		{"getpid", errnoRet(unix.EPERM)},
	}
	for _, c := range cases {
		if got := run(t, prog, x86_64, nr(t, tab, c.name)); got != c.want {
			t.Errorf("%s: got %#x, want %#x", c.name, got, c.want)
		}
	}
	// Above every syscall named: ENOSYS so that libc falls back.
	if got := run(t, prog, x86_64, 1000); got != errnoRet(unix.ENOSYS) {
		t.Errorf("syscall 1000: got %#x, want ENOSYS", got)
	}
	// x32 syscall with x32 not listed, and an unlisted arch: killed.
	if got := run(t, prog, x86_64, x32SyscallBit|0); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("x32 read: got %#x, want kill", got)
	}
	if got := run(t, prog, i386, 3); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("i386 read: got %#x, want kill", got)
	}
}

func TestCompileArgumentOperators(t *testing.T) {
	const big = uint64(0x1_0000_0005) // high word set: 64-bit comparisons matter
	arg := func(op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: v, ValueTwo: v2, Op: op}}}
	}
	cases := []struct {
		rule  specs.LinuxSyscall
		arg   uint64
		allow bool
	}{
		{arg(specs.OpEqualTo, big, 0), big, true},
		{arg(specs.OpEqualTo, big, 0), 5, false},
		{arg(specs.OpNotEqual, big, 0), 5, true},
		{arg(specs.OpNotEqual, big, 0), big, false},
		{arg(specs.OpGreaterThan, big, 0), big + 1, true},
		{arg(specs.OpGreaterThan, big, 0), big, false},
		{arg(specs.OpGreaterThan, big, 0), 0x2_0000_0000, true},
		{arg(specs.OpGreaterThan, big, 0), 0xffff_ffff, false},
		{arg(specs.OpGreaterEqual, big, 0), big, true},
		{arg(specs.OpGreaterEqual, big, 0), big - 1, false},
		{arg(specs.OpLessThan, big, 0), big - 1, true},
		{arg(specs.OpLessThan, big, 0), 0xffff_ffff, true},
		{arg(specs.OpLessThan, big, 0), big, false},
		{arg(specs.OpLessThan, big, 0), 0x1_0000_0000_0000, false},
		{arg(specs.OpLessEqual, big, 0), big, true},
		{arg(specs.OpLessEqual, big, 0), big + 1, false},
		{arg(specs.OpMaskedEqual, 0xff00, 0x1200), 0x12ab, true},
		{arg(specs.OpMaskedEqual, 0xff00, 0x1200), 0x13ab, false},
		{arg(specs.OpMaskedEqual, 0xff00_0000_0000, 0), 0x00ff_ffff_ffff, true},
		{arg(specs.OpMaskedEqual, 0xff00_0000_0000, 0), 0x0100_0000_0000, false},
	}
	n := nr(t, arch.X86_64.SyscallNames, "personality")
	for _, c := range cases {
		prog, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Architectures: []specs.Arch{specs.ArchX86_64}, Syscalls: []specs.LinuxSyscall{c.rule}})
		if err != nil {
			t.Fatal(err)
		}
		got := run(t, prog, x86_64, n, 0, c.arg)
		if (got == unix.SECCOMP_RET_ALLOW) != c.allow {
			a := c.rule.Args[0]
			t.Errorf("%s %#x/%#x on %#x: got %#x, want allow=%v", a.Op, a.Value, a.ValueTwo, c.arg, got, c.allow)
		}
	}
}

func TestCompileConditionsAndOr(t *testing.T) {
	prog, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{
			// different indexes: AND
			{Names: []string{"kill"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 1, Value: 9, Op: specs.OpEqualTo}}},
			// same index twice: OR (runc's behaviour)
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0, Op: specs.OpEqualTo}, {Index: 0, Value: 8, Op: specs.OpEqualTo}}},
			{Names: []string{"getpid"}, Action: specs.ActAllow},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tab := arch.X86_64.SyscallNames
	check := func(name string, want uint32, args ...uint64) {
		t.Helper()
		if got := run(t, prog, x86_64, nr(t, tab, name), args...); got != want {
			t.Errorf("%s%v: got %#x, want %#x", name, args, got, want)
		}
	}
	check("kill", unix.SECCOMP_RET_ALLOW, 1, 9)
	check("kill", errnoRet(unix.EPERM), 1, 15)
	check("kill", errnoRet(unix.EPERM), 2, 9)
	check("personality", unix.SECCOMP_RET_ALLOW, 0)
	check("personality", unix.SECCOMP_RET_ALLOW, 8)
	check("personality", errnoRet(unix.EPERM), 4)
	// A rule after a failed conditional rule still sees the syscall number.
	check("getpid", unix.SECCOMP_RET_ALLOW)
}

func TestCompileX32AndI386(t *testing.T) {
	prog, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"rt_sigaction", "getpid"}, Action: specs.ActAllow},
			{Names: []string{"personality"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(desc string, audit uint32, n int, want uint32, args ...uint64) {
		t.Helper()
		if got := run(t, prog, audit, n, args...); got != want {
			t.Errorf("%s: got %#x, want %#x", desc, got, want)
		}
	}
	check("x86_64 rt_sigaction", x86_64, 13, unix.SECCOMP_RET_ALLOW)
	check("x32 rt_sigaction (512)", x86_64, x32SyscallBit|512, unix.SECCOMP_RET_ALLOW)
	check("x32 getpid", x86_64, x32SyscallBit|39, unix.SECCOMP_RET_ALLOW)
	check("x32 mkdir", x86_64, x32SyscallBit|83, errnoRet(unix.EPERM))
	check("i386 getpid (20)", i386, 20, unix.SECCOMP_RET_ALLOW)
	check("i386 rt_sigaction (174)", i386, 174, unix.SECCOMP_RET_ALLOW)
	check("i386 mkdir (39)", i386, 39, errnoRet(unix.EPERM))
	// i386 compares the low word only.
	check("i386 personality(0xffffffff)", i386, 136, unix.SECCOMP_RET_ALLOW, 0xffffffff)
	check("x86_64 personality(0xffffffff)", x86_64, 135, unix.SECCOMP_RET_ALLOW, 0xffffffff)
	check("x86_64 personality(-1)", x86_64, 135, errnoRet(unix.EPERM), ^uint64(0))
}

func TestCompileErrors(t *testing.T) {
	good := specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow}
	cases := []struct {
		cfg  specs.LinuxSeccomp
		want string
	}{
		{specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}, `unknown action "SCMP_ACT_NOPE"`},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, `unknown architecture "SCMP_ARCH_VAX"`},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{good, {Names: []string{"frobnicate"}, Action: specs.ActAllow}}}, `syscalls[1].names: unknown syscall "frobnicate"`},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_SORTA"}}}}}, `unknown operator "SCMP_CMP_SORTA"`},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, "index: 6 is out of range"},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActNotify}}}, "SCMP_ACT_NOTIFY is not supported"},
		{specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uintp(1)}, "errnoRet is only valid"},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Action: specs.ActAllow}}}, "syscalls[0].names: empty"},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}}, `unknown flag "SECCOMP_FILTER_FLAG_BOGUS"`},
	}
	for _, c := range cases {
		_, err := Compile(&c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want error containing %q", err, c.want)
		}
	}
	if _, err := Compile(nil); err == nil {
		t.Error("nil profile compiled")
	}
}

func TestCompileForeignArchIgnored(t *testing.T) {
	prog, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchS390X}})
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, prog, x86_64, 0); got != unix.SECCOMP_RET_ALLOW {
		t.Errorf("read: got %#x", got)
	}
}

// dockerDefault is Docker's default profile converted to OCI for a
// container with Docker's default capabilities.
func dockerDefault(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
		"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps}}}
	p, err := mobyseccomp.GetDefaultProfile(spec)
	if err != nil {
		t.Fatalf("docker default profile: %v", err)
	}
	return p
}

func TestCompileDockerDefault(t *testing.T) {
	p := dockerDefault(t)
	prog, err := Compile(p)
	if err != nil {
		t.Fatalf("compile docker default profile: %v", err)
	}
	t.Logf("docker default profile: %d instructions for %v", len(prog), p.Architectures)
	tab := arch.X86_64.SyscallNames
	check := func(name string, want uint32, args ...uint64) {
		t.Helper()
		if got := run(t, prog, x86_64, nr(t, tab, name), args...); got != want {
			t.Errorf("%s%v: got %#x, want %#x", name, args, got, want)
		}
	}
	check("read", unix.SECCOMP_RET_ALLOW)
	check("execve", unix.SECCOMP_RET_ALLOW)
	check("mount", errnoRet(unix.EPERM))
	check("reboot", errnoRet(unix.EPERM))
	check("kexec_load", errnoRet(unix.EPERM))
	// clone without namespace flags is allowed, with CLONE_NEWUSER it is not.
	check("clone", unix.SECCOMP_RET_ALLOW, uint64(unix.SIGCHLD))
	check("clone", errnoRet(unix.EPERM), uint64(unix.CLONE_NEWUSER|unix.SIGCHLD))
	check("clone3", errnoRet(unix.ENOSYS))
	check("personality", unix.SECCOMP_RET_ALLOW, 0)
	check("personality", errnoRet(unix.EPERM), 0x0400000) // ADDR_NO_RANDOMIZE... not in the list
	check("socket", unix.SECCOMP_RET_ALLOW, uint64(unix.AF_INET))
	check("socket", errnoRet(unix.EPERM), uint64(unix.AF_VSOCK))
	// x32 and i386 paths exist too.
	if got := run(t, prog, x86_64, x32SyscallBit|0); got != unix.SECCOMP_RET_ALLOW {
		t.Errorf("x32 read: got %#x", got)
	}
	if got := run(t, prog, i386, 3); got != unix.SECCOMP_RET_ALLOW {
		t.Errorf("i386 read: got %#x", got)
	}
}

func TestCompileDockerDefaultArm64(t *testing.T) {
	p := dockerDefault(t)
	p.Architectures = []specs.Arch{specs.ArchAARCH64, specs.ArchARM}
	prog, err := Compile(p)
	if err != nil {
		t.Fatalf("compile for arm64: %v", err)
	}
	aarch64, arm := uint32(arch.AARCH64.ID), uint32(arch.ARM.ID)
	check := func(desc string, audit uint32, n int, want uint32) {
		t.Helper()
		if got := run(t, prog, audit, n); got != want {
			t.Errorf("%s: got %#x, want %#x", desc, got, want)
		}
	}
	check("aarch64 read", aarch64, nr(t, arch.AARCH64.SyscallNames, "read"), unix.SECCOMP_RET_ALLOW)
	check("aarch64 mount", aarch64, nr(t, arch.AARCH64.SyscallNames, "mount"), errnoRet(unix.EPERM))
	check("arm read", arm, nr(t, arch.ARM.SyscallNames, "read"), unix.SECCOMP_RET_ALLOW)
	check("x86_64 read on an arm64 profile", x86_64, 0, unix.SECCOMP_RET_KILL_PROCESS)
}
