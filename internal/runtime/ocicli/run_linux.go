package ocicli

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/runtime"
	"github.com/berth/berth/internal/runtime/state"
	"github.com/moby/term"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func cmdRun(g *globals, args []string) (int, error) {
	fs := newFlagSet("run")
	createOpts := createFlags(fs)
	detach := fs.Bool("detach")
	fs.alias("d", "detach")
	keep := fs.Bool("keep")
	_ = fs.Bool("no-subreaper")
	opts, err := createOpts(g.root, args)
	if err != nil {
		return 1, err
	}
	var relay *consoleRelay
	if opts.ConsoleSocket == "" {
		if data, err := os.ReadFile(filepath.Join(opts.Bundle, "config.json")); err == nil {
			if spec, err := runtime.ParseSpec(data); err == nil && spec.Process != nil && spec.Process.Terminal {
				relay, err = consoleFor("run: a detached container", *detach)
				if err != nil {
					return 1, err
				}
				defer relay.close()
				opts.ConsoleSocket = relay.path
			}
		}
	}
	_, proc, err := runtime.Create(opts)
	if err != nil {
		return 1, err
	}
	stop := forwardSignals(proc.Pid)
	defer stop()
	if relay != nil {
		if err := relay.attach(); err != nil {
			_ = runtime.Delete(g.root, opts.ID, true)
			return 1, err
		}
	}
	if err := runtime.Start(g.root, opts.ID); err != nil {
		_ = runtime.Delete(g.root, opts.ID, true)
		return 1, err
	}
	if *detach {
		_ = proc.Release()
		return 0, nil
	}
	code := exitCode(proc)
	if relay != nil {
		relay.wait()
	}
	if !*keep {
		if err := runtime.Delete(g.root, opts.ID, true); err != nil {
			return 1, err
		}
	}
	return code, nil
}

func cmdExec(g *globals, args []string) (int, error) {
	fs := newFlagSet("exec")
	console := fs.String("console-socket", "")
	cwd := fs.String("cwd", "")
	env := fs.List("env")
	fs.alias("e", "env")
	tty := fs.Bool("tty")
	fs.alias("t", "tty")
	user := fs.String("user", "")
	fs.alias("u", "user")
	gids := fs.List("additional-gids")
	fs.alias("g", "additional-gids")
	procFile := fs.String("process", "")
	fs.alias("p", "process")
	detach := fs.Bool("detach")
	fs.alias("d", "detach")
	pidFile := fs.String("pid-file", "")
	_ = fs.String("process-label", "")
	_ = fs.String("apparmor", "")
	nnp := fs.Bool("no-new-privs")
	capsAdd := fs.List("cap")
	fs.alias("c", "cap")
	preserve := fs.Int("preserve-fds")
	_ = fs.String("cgroup", "")
	_ = fs.Bool("ignore-paused")
	fs.stopAt = 1
	if err := fs.parse(args); err != nil {
		return 1, err
	}
	if len(fs.args) < 1 {
		return 1, fmt.Errorf("exec: container id is required")
	}
	id := fs.args[0]
	n, err := preserve()
	if err != nil {
		return 1, err
	}
	st, err := state.Load(g.root, id)
	if err != nil {
		return 1, err
	}
	var p *specs.Process
	if *procFile != "" {
		p, err = readProcess(*procFile)
	} else if len(fs.args) < 2 {
		err = fmt.Errorf("exec: process args are required (or --process)")
	} else {
		f := execFlags{cwd: *cwd, user: *user, env: *env, gids: *gids, caps: *capsAdd, tty: *tty, nnp: *nnp}
		p, err = f.process(*st.Config.Process, fs.args[1:])
	}
	if err != nil {
		return 1, err
	}
	if *tty {
		p.Terminal = true
	}
	var relay *consoleRelay
	if p.Terminal && *console == "" {
		relay, err = consoleFor("exec: a detached process", *detach)
		if err != nil {
			return 1, err
		}
		defer relay.close()
		*console = relay.path
	}
	proc, err := runtime.Exec(runtime.ExecOpts{Root: g.root, ID: id, Process: p, ConsoleSocket: *console, PidFile: *pidFile, PreserveFds: n})
	if err != nil {
		return 1, err
	}
	if *detach {
		_ = proc.Release()
		return 0, nil
	}
	stop := forwardSignals(proc.Pid)
	defer stop()
	if relay != nil {
		if err := relay.attach(); err != nil {
			_ = proc.Kill()
			return 1, err
		}
	}
	code := exitCode(proc)
	if relay != nil {
		relay.wait()
	}
	return code, nil
}

// readProcess reads an exec's process.json (--process).
func readProcess(path string) (*specs.Process, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read process file: %w", err)
	}
	p := new(specs.Process)
	if err := json.Unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("parse process file %s: %w", path, err)
	}
	return p, nil
}

// execFlags are the flags of exec that change the container's process.
type execFlags struct {
	cwd, user       string
	env, gids, caps []string
	tty, nnp        bool
}

// process is the exec's process: the container's own (base) running args,
// changed by the flags.
func (f execFlags) process(base specs.Process, args []string) (*specs.Process, error) {
	p := &base
	p.Args = args
	p.Env = append(append([]string{}, base.Env...), f.env...)
	p.Terminal = f.tty
	p.ConsoleSize = nil
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if f.user != "" {
		u, err := parseUser(f.user)
		if err != nil {
			return nil, err
		}
		p.User = u
	}
	for _, gs := range f.gids {
		gid, err := strconv.ParseUint(gs, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid additional gid %q", gs)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	if f.nnp {
		p.NoNewPrivileges = true
	}
	if len(f.caps) > 0 && p.Capabilities != nil {
		c := *p.Capabilities
		for _, cp := range f.caps {
			cp = strings.ToUpper(cp)
			c.Bounding = append(c.Bounding, cp)
			c.Effective = append(c.Effective, cp)
			c.Permitted = append(c.Permitted, cp)
		}
		p.Capabilities = &c
	}
	return p, nil
}

func parseUser(s string) (specs.User, error) {
	var u specs.User
	parts := strings.SplitN(s, ":", 2)
	uid, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil {
		return u, fmt.Errorf("invalid --user %q: want UID[:GID]", s)
	}
	u.UID = uint32(uid)
	if len(parts) == 2 {
		gid, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil {
			return u, fmt.Errorf("invalid --user %q: want UID[:GID]", s)
		}
		u.GID = uint32(gid)
	}
	return u, nil
}

// consoleRelay receives a pty master on a private socket and copies it
// to and from our own stdio, for run/exec with a terminal and no
// --console-socket.
type consoleRelay struct {
	dir     string
	path    string
	ln      *net.UnixListener
	master  *os.File
	done    chan struct{}
	restore func()
}

// consoleFor returns the relay that gives a process with a terminal, and
// no --console-socket, this command's own terminal; a detached one has
// none to get (who names it in the error).
func consoleFor(who string, detach bool) (*consoleRelay, error) {
	if detach {
		return nil, fmt.Errorf("%s with a terminal needs --console-socket", who)
	}
	return newConsoleRelay()
}

func newConsoleRelay() (*consoleRelay, error) {
	dir, err := os.MkdirTemp("", "berth-console-")
	if err != nil {
		return nil, fmt.Errorf("create console socket directory: %w", err)
	}
	path := filepath.Join(dir, "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("listen on console socket: %w", err)
	}
	return &consoleRelay{dir: dir, path: path, ln: ln, done: make(chan struct{})}, nil
}

// attach receives the master (already sent by the init) and starts copying.
func (r *consoleRelay) attach() error {
	conn, err := r.ln.AcceptUnix()
	if err != nil {
		return fmt.Errorf("accept console: %w", err)
	}
	defer conn.Close()
	buf := make([]byte, 64)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return fmt.Errorf("receive console: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return fmt.Errorf("receive console: no fd")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return fmt.Errorf("receive console: no fd")
	}
	r.master = os.NewFile(uintptr(fds[0]), "pty-master")
	if term.IsTerminal(os.Stdin.Fd()) {
		if ws, err := term.GetWinsize(os.Stdin.Fd()); err == nil {
			_ = term.SetWinsize(r.master.Fd(), ws)
		}
		if st, err := term.SetRawTerminal(os.Stdin.Fd()); err == nil {
			r.restore = func() { _ = term.RestoreTerminal(os.Stdin.Fd(), st) }
		}
		// follow our terminal's size.
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		go func() {
			for range winch {
				if ws, err := term.GetWinsize(os.Stdin.Fd()); err == nil {
					_ = term.SetWinsize(r.master.Fd(), ws)
				}
			}
		}()
	}
	go func() { _, _ = io.Copy(r.master, os.Stdin) }()
	go func() { _, _ = io.Copy(os.Stdout, r.master); close(r.done) }()
	return nil
}

func (r *consoleRelay) wait() {
	if r.master != nil {
		<-r.done
	}
}

func (r *consoleRelay) close() {
	if r.restore != nil {
		r.restore()
	}
	r.ln.Close()
	if r.master != nil {
		r.master.Close()
	}
	os.RemoveAll(r.dir)
}
