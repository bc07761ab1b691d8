package seccomp

import (
	"fmt"
	"runtime"

	"github.com/elastic/go-seccomp-bpf/arch"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// x32SyscallBit marks syscalls of the x32 ABI, which share the x86_64
// audit arch (asm/unistd.h __X32_SYSCALL_BIT).
const x32SyscallBit = 0x40000000

// abi is one syscall ABI the filter handles: its audit arch, its syscall
// table and how it sits in the program.
type abi struct {
	name   specs.Arch
	audit  uint32
	table  map[string]int // syscall name -> number as seen in seccomp_data.nr
	bits32 bool           // arguments are 32-bit registers: compare low words only
	x32    bool           // x32 ABI: shares x86_64's audit arch, nr carries x32SyscallBit
}

// tables are the ABIs berth has syscall tables for (from elastic's
// go-seccomp-bpf, generated from the Linux sources).
var tables = map[specs.Arch]*abi{
	specs.ArchX86_64:  {name: specs.ArchX86_64, audit: uint32(arch.X86_64.ID), table: arch.X86_64.SyscallNames},
	specs.ArchX86:     {name: specs.ArchX86, audit: uint32(arch.I386.ID), table: arch.I386.SyscallNames, bits32: true},
	specs.ArchX32:     {name: specs.ArchX32, audit: uint32(arch.X32.ID), table: x32Table(), x32: true},
	specs.ArchAARCH64: {name: specs.ArchAARCH64, audit: uint32(arch.AARCH64.ID), table: arch.AARCH64.SyscallNames},
	specs.ArchARM:     {name: specs.ArchARM, audit: uint32(arch.ARM.ID), table: arch.ARM.SyscallNames, bits32: true},
}

// foreign are architectures the OCI spec names but berth has no syscall
// table for. They are accepted and left out of the filter: no process on
// the hosts berth supports (x86_64, aarch64) can enter the kernel through
// them, and the filter kills any process that uses an unlisted arch.
var foreign = map[specs.Arch]bool{
	specs.ArchMIPS: true, specs.ArchMIPS64: true, specs.ArchMIPS64N32: true,
	specs.ArchMIPSEL: true, specs.ArchMIPSEL64: true, specs.ArchMIPSEL64N32: true,
	specs.ArchPPC: true, specs.ArchPPC64: true, specs.ArchPPC64LE: true,
	specs.ArchS390: true, specs.ArchS390X: true, specs.ArchPARISC: true,
	specs.ArchPARISC64: true, specs.ArchRISCV64: true, specs.ArchLOONGARCH64: true,
	specs.ArchM68K: true, specs.ArchSH: true, specs.ArchSHEB: true,
}

// x32Table maps x32 syscall names to their numbers with the x32 bit set.
// Where the table has a name twice (the x86_64 number and the x32-specific
// one from 512 up, e.g. rt_sigaction), the x32-specific one is the right one.
func x32Table() map[string]int {
	out := make(map[string]int, len(arch.X32.SyscallNumbers))
	for nr, name := range arch.X32.SyscallNumbers {
		if old, ok := out[name]; !ok || nr|x32SyscallBit > old {
			out[name] = nr | x32SyscallBit
		}
	}
	return out
}

// nativeArches is what an empty architectures list means: the runtime's
// own architecture only, as libseccomp does.
func nativeArches() []specs.Arch {
	switch runtime.GOARCH {
	case "amd64":
		return []specs.Arch{specs.ArchX86_64}
	case "386":
		return []specs.Arch{specs.ArchX86}
	case "arm64":
		return []specs.Arch{specs.ArchAARCH64}
	case "arm":
		return []specs.Arch{specs.ArchARM}
	}
	return nil
}

// resolveArches returns the ABIs to build the filter for, in order.
func resolveArches(list []specs.Arch) ([]*abi, error) {
	if len(list) == 0 {
		list = nativeArches()
		if len(list) == 0 {
			return nil, fmt.Errorf("linux.seccomp.architectures: no syscall table for %s", runtime.GOARCH)
		}
	}
	var out []*abi
	seen := map[specs.Arch]bool{}
	for _, a := range list {
		if seen[a] {
			continue
		}
		seen[a] = true
		if t, ok := tables[a]; ok {
			out = append(out, t)
			continue
		}
		if foreign[a] {
			continue
		}
		return nil, fmt.Errorf("linux.seccomp.architectures: unknown architecture %q", a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("linux.seccomp.architectures: none of %v can be filtered here", list)
	}
	return out, nil
}

// otherSyscalls are syscall names that exist in Linux but in none of the
// tables: those of architectures without a table, and syscalls newer than
// the tables (Linux 6.15). They are accepted and left out of the filter, so
// they get the default action, or ENOSYS when numbered above every syscall
// the profile names — never allowed by mistake.
var otherSyscalls = map[string]bool{
	"riscv_hwprobe": true, "riscv_flush_icache": true,
	"s390_runtime_instr": true, "s390_pci_mmio_read": true, "s390_pci_mmio_write": true,
	"s390_guarded_storage": true, "s390_sthyi": true,
	"sys_debug_setcontext": true, "subpage_prot": true, "switch_endian": true,
	"spu_run": true, "spu_create": true, "sysmips": true,
	"file_getattr": true, "file_setattr": true, "listns": true,
}

// knownSyscall reports whether name is a Linux syscall.
func knownSyscall(name string) bool {
	if otherSyscalls[name] {
		return true
	}
	for _, t := range tables {
		if _, ok := t.table[name]; ok {
			return true
		}
	}
	return false
}
