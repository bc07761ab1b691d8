package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// label names a position in the program being assembled.
type label int

// fixup records a jump field that must point at a label.
type fixup struct {
	at    int   // instruction index
	field byte  // 't' (jt), 'f' (jf) or 'k' (ja offset)
	to    label //
}

// asm is a tiny classic-BPF assembler with symbolic jump targets. A target
// of next (the zero label) means "the following instruction".
type asm struct {
	prog   []unix.SockFilter
	pos    []int // label -> instruction index, -1 while unbound
	fixups []fixup
}

// next is the implicit label of the instruction that follows a jump.
const next label = -1

func (a *asm) newLabel() label {
	a.pos = append(a.pos, -1)
	return label(len(a.pos) - 1)
}

func (a *asm) bind(l label) { a.pos[l] = len(a.prog) }

func (a *asm) emit(code uint16, k uint32) {
	a.prog = append(a.prog, unix.SockFilter{Code: code, K: k})
}

// ldAbs loads the 32-bit word at offset off of struct seccomp_data.
func (a *asm) ldAbs(off uint32) { a.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }

func (a *asm) and(k uint32) { a.emit(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, k) }

func (a *asm) ret(k uint32) { a.emit(unix.BPF_RET|unix.BPF_K, k) }

// jmp emits a conditional jump comparing A with k (op is BPF_JEQ, BPF_JGT
// or BPF_JGE).
func (a *asm) jmp(op uint16, k uint32, jt, jf label) {
	i := len(a.prog)
	a.emit(unix.BPF_JMP|op|unix.BPF_K, k)
	if jt != next {
		a.fixups = append(a.fixups, fixup{i, 't', jt})
	}
	if jf != next {
		a.fixups = append(a.fixups, fixup{i, 'f', jf})
	}
}

// ja emits an unconditional jump (32-bit offset, no range limit).
func (a *asm) ja(to label) {
	a.fixups = append(a.fixups, fixup{len(a.prog), 'k', to})
	a.emit(unix.BPF_JMP|unix.BPF_JA, 0)
}

// assemble resolves the jumps. Conditional jumps reach at most 255
// instructions forward; callers keep bodies short or go through ja.
func (a *asm) assemble() ([]unix.SockFilter, error) {
	for _, f := range a.fixups {
		to := a.pos[f.to]
		if to < 0 {
			return nil, fmt.Errorf("assemble seccomp program: unbound label %d", f.to)
		}
		off := to - f.at - 1
		if off < 0 {
			return nil, fmt.Errorf("assemble seccomp program: backward jump at %d", f.at)
		}
		switch f.field {
		case 'k':
			a.prog[f.at].K = uint32(off)
		case 't', 'f':
			if off > 255 {
				return nil, fmt.Errorf("assemble seccomp program: jump of %d instructions at %d is out of range", off, f.at)
			}
			if f.field == 't' {
				a.prog[f.at].Jt = uint8(off)
			} else {
				a.prog[f.at].Jf = uint8(off)
			}
		}
	}
	if len(a.prog) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("assemble seccomp program: %d instructions exceed the kernel's limit of %d", len(a.prog), unix.BPF_MAXINSNS)
	}
	return a.prog, nil
}
