package shim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// runtime runs the OCI runtime's command-line verbs.
type runtime struct {
	argv   []string // resolved argv prefix
	id     string
	dir    string // working directory (the state dir)
	reaper *reaper
	warm   func() *warmRuntime // a warm runtime for the next verb, or nil; nil for another runtime
}

func newRuntime(argv []string, id, dir string, r *reaper) (*runtime, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("find runtime %s: %w", argv[0], err)
	}
	a := append([]string{path}, argv[1:]...)
	return &runtime{argv: a, id: id, dir: dir, reaper: r}, nil
}

// spawn starts the runtime with args and the given stdio and returns its pid
// and its exit, registered with the reaper.
func (rt *runtime) spawn(args []string, stdio [3]*os.File) (int, <-chan syscall.WaitStatus, error) {
	argv := append(append([]string{}, rt.argv...), args...)
	if w := rt.takeWarm(); w != nil {
		pid, exited, err := rt.reaper.start(func() (int, error) { return w.start(argv[2:], rt.dir, stdio) })
		if err == nil {
			return pid, exited, nil
		}
		// It died: start the verb as usual (the reaper collects it).
	}
	files := make([]uintptr, 3)
	for i, f := range stdio {
		files[i] = f.Fd()
	}
	pid, exited, err := rt.reaper.start(func() (int, error) {
		return syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Dir: rt.dir, Env: os.Environ(), Files: files})
	})
	if err != nil {
		return 0, nil, fmt.Errorf("run %s %s: %w", argv[0], args[0], err)
	}
	return pid, exited, nil
}

// takeWarm returns a warm runtime to hand the next verb to, if one is ready.
func (rt *runtime) takeWarm() *warmRuntime {
	if rt.warm == nil {
		return nil
	}
	return rt.warm()
}

// status turns a wait status into an error (nil on success).
func status(ws syscall.WaitStatus) error {
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return fmt.Errorf("exit status %d", ws.ExitStatus())
	default:
		return fmt.Errorf("killed by signal %d", ws.Signal())
	}
}

// verbTimeout bounds every runtime verb: a runtime that hangs is killed
// and its verb fails, instead of holding the container (its lock in the
// daemon, the request, the clients listing containers) for ever. runc,
// crun and berth's own create a container in well under a second; hooks
// have their own timeouts in the spec.
const verbTimeout = 30 * time.Second

// waitVerb waits for the exit of the runtime verb pid, killing it once
// verbTimeout has passed or ctx ends; the error says which.
func waitVerb(ctx context.Context, verb string, pid int, exited <-chan syscall.WaitStatus) (syscall.WaitStatus, error) {
	t := time.NewTimer(verbTimeout)
	defer t.Stop()
	var err error
	select {
	case ws := <-exited:
		return ws, nil
	case <-t.C:
		err = fmt.Errorf("runtime %s did not finish within %v: killed", verb, verbTimeout)
	case <-ctx.Done():
		err = fmt.Errorf("runtime %s: %w", verb, ctx.Err())
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return <-exited, err
}

// run runs one runtime verb whose stdio the shim does not care about, and
// returns its stderr as the error text when it fails.
func (rt *runtime) run(ctx context.Context, args ...string) error {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	pid, exited, err := rt.spawn(args, [3]*os.File{devnull, w, w})
	w.Close()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, io.LimitReader(r, 64<<10))
		close(done)
	}()
	ws, werr := waitVerb(ctx, args[0], pid, exited)
	select {
	case <-done:
	case <-time.After(time.Second): // a leftover holder of the pipe
		_ = r.SetReadDeadline(time.Now())
		<-done
	}
	if werr != nil {
		return werr
	}
	if err := status(ws); err != nil {
		return runtimeError(args[0], out.String(), err)
	}
	return nil
}

// runtimeError builds the error of a failed runtime verb from its output:
// the runtime's last message, or its exit status.
func runtimeError(verb, out string, err error) error {
	msg := lastMessage(out)
	if msg == "" {
		return fmt.Errorf("runtime %s: %w", verb, err)
	}
	return fmt.Errorf("%s", msg)
}

// lastMessage extracts the error text from a runtime's stderr: plain text, or
// logrus-style `level=error msg="…"` lines (runc before 1.1 logged so).
func lastMessage(out string) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return ""
	}
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if j := strings.Index(l, `msg="`); j >= 0 && strings.Contains(l, "level=") {
			m := l[j+5:]
			if k := strings.LastIndex(m, `"`); k >= 0 {
				m = m[:k]
			}
			return strings.ReplaceAll(m, `\"`, `"`)
		}
	}
	return strings.Join(lines, "; ")
}
