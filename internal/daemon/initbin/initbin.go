package initbin

import (
	"debug/elf"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/errdefs"
)

// Init is the init that --init bind-mounts at /sbin/docker-init
// (oci.InitPath) and runs as PID 1 of the container: it must run inside
// any image, one without a libc too, so it must be statically linked.
type Init struct {
	// Path is the sealed copy containers get (sealInit), "" when no
	// usable init was found.
	Path string
	// Args are the arguments between the init's path and "--".
	Args []string
	src  string // the host binary Path was copied from
	// why tells, when Path is "", why --init is unavailable.
	why string
}

// staticInits are the static inits looked for on PATH when berth's own
// binary is dynamically linked: Docker's docker-init and Debian's
// tini-static (both tini, run as `docker-init -- cmd…`).
var staticInits = []string{"docker-init", "tini-static"}

// Setup picks the init once, at daemon start, and seals a copy of it in
// dir (sealInit): the binary a container runs as its init is never a host
// binary. Release undoes it.
func Setup(self, dir string) Init {
	in := findInit(self)
	if in.src == "" {
		return in
	}
	p, err := sealInit(in.src, dir)
	if err != nil {
		return Init{why: err.Error()}
	}
	in.Path = p
	return in
}

// findInit picks the init's source: berth's own binary when it is static
// (run as `docker-init init -- cmd…`), else the first static init of
// staticInits on PATH, else none.
func findInit(self string) Init {
	static, err := isStatic(self)
	if err != nil {
		return Init{why: fmt.Sprintf("cannot read %s: %v", self, err)}
	}
	if static {
		return Init{src: self, Args: []string{"init"}}
	}
	for _, name := range staticInits {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if ok, err := isStatic(p); err == nil && ok {
			return Init{src: p}
		}
	}
	return Init{why: fmt.Sprintf("%s is dynamically linked and no static init (%s) is on PATH", self, strings.Join(staticInits, " or "))}
}

// isStatic reports whether the ELF executable at path needs no dynamic
// loader (it has no PT_INTERP program header).
func isStatic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// Unavailable is the error of a container that asks for --init when
// the daemon has none.
func (in Init) Unavailable() error {
	return errdefs.InvalidParameter(errors.New("--init is unavailable: " + in.why))
}

// Name is the init shown by info: "berth init", the tini's file name,
// or "" when --init is unavailable.
func (in Init) Name() string {
	switch {
	case in.Path == "":
		return ""
	case len(in.Args) > 0:
		return "berth " + in.Args[0]
	}
	return filepath.Base(in.src)
}

// Available reports whether --init can be given: a sealed copy exists.
func (in Init) Available() bool { return in.Path != "" }
