package seccomp

import (
	"errors"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data (linux/seccomp.h): int nr; __u32 arch;
// __u64 instruction_pointer; __u64 args[6]. Arguments are read as two
// little-endian 32-bit words (all ABIs berth has tables for are LE).
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// maxArgs is the number of syscall arguments seccomp_data carries.
const maxArgs = 6

// chunk bounds the syscall numbers tested before one shared body, so that
// every conditional jump stays within BPF's 255-instruction reach.
const chunk = 200

// rule is one checked alternative: any of nrs (names resolved later per
// ABI) with all conds true returns ret.
type rule struct {
	names []string
	conds []specs.LinuxSeccompArg
	ret   uint32
}

func compile(cfg *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	if cfg == nil {
		return nil, errors.New("linux.seccomp: no profile")
	}
	defRet, err := retValue(cfg.DefaultAction, cfg.DefaultErrnoRet, "linux.seccomp.defaultAction")
	if err != nil {
		return nil, err
	}
	abis, err := resolveArches(cfg.Architectures)
	if err != nil {
		return nil, err
	}
	for _, fl := range cfg.Flags {
		if _, ok := flagValues[fl]; !ok {
			return nil, fmt.Errorf("linux.seccomp.flags: unknown flag %q", fl)
		}
	}
	rules, err := expand(cfg.Syscalls, defRet)
	if err != nil {
		return nil, err
	}

	a := &asm{}
	// Dispatch on the audit arch; x86_64 and x32 share one.
	a.ldAbs(offArch)
	type group struct {
		audit  uint32
		native *abi
		x32    *abi
		at     label
	}
	var groups []*group
	for _, ab := range abis {
		var g *group
		for _, h := range groups {
			if h.audit == ab.audit {
				g = h
			}
		}
		if g == nil {
			g = &group{audit: ab.audit, at: a.newLabel()}
			groups = append(groups, g)
		}
		if ab.x32 {
			g.x32 = ab
		} else {
			g.native = ab
		}
	}
	for _, g := range groups {
		skip := a.newLabel()
		a.jmp(unix.BPF_JEQ, g.audit, next, skip)
		a.ja(g.at)
		a.bind(skip)
	}
	a.ret(badArchRet)

	for _, g := range groups {
		a.bind(g.at)
		a.ldAbs(offNr)
		native, x32 := a.newLabel(), a.newLabel()
		switch {
		case g.native != nil && g.x32 != nil:
			a.jmp(unix.BPF_JGE, x32SyscallBit, next, native)
			a.ja(x32)
		case g.native != nil && g.native.audit == uint32(unix.AUDIT_ARCH_X86_64):
			a.jmp(unix.BPF_JGE, x32SyscallBit, next, native)
			a.ret(badArchRet)
		case g.x32 != nil:
			a.jmp(unix.BPF_JGE, x32SyscallBit, x32, next)
			a.ret(badArchRet)
		}
		if g.native != nil {
			a.bind(native)
			section(a, g.native, rules, defRet)
		}
		if g.x32 != nil {
			a.bind(x32)
			section(a, g.x32, rules, defRet)
		}
	}
	return a.assemble()
}

// expand validates the syscall entries and turns them into rules, in
// order. Entries whose action is the default one are dropped (libseccomp
// refuses them, runc skips them). Several conditions on one argument index
// become one rule each (ORed), as runc does; otherwise conditions are ANDed.
func expand(syscalls []specs.LinuxSyscall, defRet uint32) ([]rule, error) {
	var out []rule
	for i, s := range syscalls {
		field := fmt.Sprintf("linux.seccomp.syscalls[%d]", i)
		if len(s.Names) == 0 {
			return nil, fmt.Errorf("%s.names: empty", field)
		}
		for _, name := range s.Names {
			if name == "" {
				return nil, fmt.Errorf("%s.names: empty syscall name", field)
			}
			if !knownSyscall(name) {
				return nil, fmt.Errorf("%s.names: unknown syscall %q", field, name)
			}
		}
		ret, err := retValue(s.Action, s.ErrnoRet, field+".action")
		if err != nil {
			return nil, err
		}
		perIndex := make([]int, maxArgs)
		for j, arg := range s.Args {
			af := fmt.Sprintf("%s.args[%d]", field, j)
			if arg.Index >= maxArgs {
				return nil, fmt.Errorf("%s.index: %d is out of range (0-%d)", af, arg.Index, maxArgs-1)
			}
			if !knownOp(arg.Op) {
				return nil, fmt.Errorf("%s.op: unknown operator %q", af, arg.Op)
			}
			perIndex[arg.Index]++
		}
		if ret == defRet {
			continue
		}
		if slices.ContainsFunc(perIndex, func(n int) bool { return n > 1 }) {
			for _, arg := range s.Args {
				out = append(out, rule{names: s.Names, conds: []specs.LinuxSeccompArg{arg}, ret: ret})
			}
			continue
		}
		out = append(out, rule{names: s.Names, conds: s.Args, ret: ret})
	}
	return out, nil
}

func knownOp(op specs.LinuxSeccompOperator) bool {
	switch op {
	case specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual:
		return true
	}
	return false
}

// section emits the rules of one ABI; A holds seccomp_data.nr on entry.
// Consecutive unconditional rules with the same result share one return.
// Syscalls numbered above every syscall the profile names return ENOSYS
// rather than the default action (as runc does), so that a libc probing a
// syscall newer than the profile falls back instead of failing.
func section(a *asm, ab *abi, rules []rule, defRet uint32) {
	maxNr := -1
	for i := 0; i < len(rules); {
		r := rules[i]
		var nrs []uint32
		add := func(names []string) {
			for _, name := range names {
				if nr, ok := ab.table[name]; ok && !slices.Contains(nrs, uint32(nr)) {
					nrs = append(nrs, uint32(nr))
					maxNr = max(maxNr, nr)
				}
			}
		}
		add(r.names)
		i++
		if len(r.conds) == 0 {
			for i < len(rules) && len(rules[i].conds) == 0 && rules[i].ret == r.ret {
				add(rules[i].names)
				i++
			}
		}
		for start := 0; start < len(nrs); start += chunk {
			emitRule(a, ab, nrs[start:min(start+chunk, len(nrs))], r.conds, r.ret)
		}
	}
	switch defRet & unix.SECCOMP_RET_ACTION_FULL {
	case unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_TRACE:
	default:
		if maxNr >= 0 {
			def := a.newLabel()
			a.jmp(unix.BPF_JGT, uint32(maxNr), next, def)
			a.ret(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
			a.bind(def)
		}
	}
	a.ret(defRet)
}

// emitRule tests A against nrs and, on a match whose conditions hold,
// returns ret. A holds the syscall number again afterwards.
func emitRule(a *asm, ab *abi, nrs []uint32, conds []specs.LinuxSeccompArg, ret uint32) {
	skip, body := a.newLabel(), a.newLabel()
	for i, nr := range nrs {
		if i == len(nrs)-1 {
			a.jmp(unix.BPF_JEQ, nr, next, skip)
		} else {
			a.jmp(unix.BPF_JEQ, nr, body, next)
		}
	}
	a.bind(body)
	if len(conds) == 0 {
		a.ret(ret)
		a.bind(skip)
		return
	}
	fail := a.newLabel()
	for _, c := range conds {
		emitCond(a, c, ab.bits32, fail)
	}
	a.ret(ret)
	a.bind(fail)
	a.ldAbs(offNr)
	a.bind(skip)
}

// emitCond falls through when condition c holds and jumps to fail when it
// does not. 64-bit comparisons are made on the high word first; ABIs with
// 32-bit registers compare the low word only.
func emitCond(a *asm, c specs.LinuxSeccompArg, bits32 bool, fail label) {
	lo, hi := uint32(offArgs+8*c.Index), uint32(offArgs+8*c.Index+4)
	vlo, vhi := uint32(c.Value), uint32(c.Value>>32)
	pass := a.newLabel()
	switch c.Op {
	case specs.OpEqualTo, specs.OpNotEqual, specs.OpMaskedEqual:
		// Equal when both words are; masked, value is the mask and
		// valueTwo the expected masked value. arg != v holds where
		// arg == v fails.
		whi, wlo := vhi, vlo
		if c.Op == specs.OpMaskedEqual {
			whi, wlo = uint32(c.ValueTwo>>32), uint32(c.ValueTwo)
		}
		equal, differ := pass, fail
		if c.Op == specs.OpNotEqual {
			equal, differ = fail, pass
		}
		if !bits32 {
			a.ldAbs(hi)
			if c.Op == specs.OpMaskedEqual {
				a.and(vhi)
			}
			a.jmp(unix.BPF_JEQ, whi, next, differ)
		}
		a.ldAbs(lo)
		if c.Op == specs.OpMaskedEqual {
			a.and(vlo)
		}
		a.jmp(unix.BPF_JEQ, wlo, equal, differ)
	case specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpLessThan, specs.OpLessEqual:
		// The high words decide unless they are equal, then the low words.
		// arg > v and arg >= v hold above v; arg < v and arg <= v below,
		// read as !(arg >= v) and !(arg > v).
		above, below := pass, fail
		if c.Op == specs.OpLessThan || c.Op == specs.OpLessEqual {
			above, below = fail, pass
		}
		if !bits32 {
			a.ldAbs(hi)
			a.jmp(unix.BPF_JGT, vhi, above, next)
			a.jmp(unix.BPF_JEQ, vhi, next, below)
		}
		a.ldAbs(lo)
		op := uint16(unix.BPF_JGE)
		if c.Op == specs.OpGreaterThan || c.Op == specs.OpLessEqual {
			op = unix.BPF_JGT
		}
		a.jmp(op, vlo, above, below)
	}
	a.bind(pass)
}
