package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// workerConfig tells a worker which runtime it drives.
type workerConfig struct {
	Label         string        // name in the report
	Argv          []string      // runtime command and its global flags (--root)
	Bundle        string        // bundle directory
	Scratch       string        // directory for pid files and the stderr log
	UmountUnified bool          // unmount /sys/fs/cgroup/unified first (crun on hybrid hosts)
	Timeout       time.Duration // limit for one runtime command and for the container's exit
}

// request is one iteration the coordinator asks a worker to do.
type request struct {
	Mode string // "run" or "seq"
	ID   string // container id
}

// result is a worker's answer: wall-clock durations per step, in order, and
// the CPU time (user+system) of the runtime's processes in the iteration.
type result struct {
	Steps []step
	CPU   time.Duration
	Err   string
}

// step is one timed part of an iteration.
type step struct {
	Name string
	D    time.Duration
}

// workerMain runs in a private mount namespace (the coordinator starts it
// with CLONE_NEWNS) and serves requests from stdin, one JSON object a line.
func workerMain(cfgJSON string) int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "bench worker: decode config: %v\n", err)
		return 2
	}
	// Keep every mount change of the runtime (and ours) in this namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fmt.Fprintf(os.Stderr, "bench worker: make / private: %v\n", err)
		return 2
	}
	if cfg.UmountUnified {
		if err := unix.Unmount("/sys/fs/cgroup/unified", 0); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			fmt.Fprintf(os.Stderr, "bench worker: unmount /sys/fs/cgroup/unified: %v\n", err)
			return 2
		}
	}
	w, err := newWorker(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench worker: %v\n", err)
		return 2
	}
	defer w.close()
	in := bufio.NewScanner(os.Stdin)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "bench worker: decode request: %v\n", err)
			return 2
		}
		var res result
		w.cpu = 0
		res.Steps, err = w.do(req)
		res.CPU = w.cpu
		if err != nil {
			res.Err = err.Error()
			w.forceDelete(req.ID)
		}
		if err := enc.Encode(res); err != nil {
			return 2
		}
	}
	return 0
}

type worker struct {
	cfg    workerConfig
	null   *os.File
	errLog *os.File
	cpu    time.Duration // CPU time of the runtime processes since the last request
}

func newWorker(cfg workerConfig) (*worker, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	// stderr goes to a file, not a pipe: a created container inherits the
	// runtime's stdio, and a pipe would keep `create` from returning.
	errLog, err := os.Create(filepath.Join(cfg.Scratch, cfg.Label+".stderr"))
	if err != nil {
		null.Close()
		return nil, fmt.Errorf("create stderr log: %w", err)
	}
	return &worker{cfg: cfg, null: null, errLog: errLog}, nil
}

func (w *worker) close() {
	w.null.Close()
	w.errLog.Close()
}

// rt runs the runtime with args, stdio on /dev/null and stderr logged.
func (w *worker) rt(args ...string) error {
	if err := w.errLog.Truncate(0); err != nil {
		return fmt.Errorf("truncate stderr log: %w", err)
	}
	if _, err := w.errLog.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind stderr log: %w", err)
	}
	argv := append(append([]string(nil), w.cfg.Argv...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = w.null, w.null, w.errLog
	err := cmd.Run()
	if cmd.ProcessState != nil {
		// wait4's rusage covers the process and the descendants it reaped
		// (the runtime's helper stages), not the container process.
		w.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		msg, _ := os.ReadFile(w.errLog.Name())
		return fmt.Errorf("%s %s: %w: %s", w.cfg.Label, args[0], err, strings.TrimSpace(string(msg)))
	}
	return nil
}

func (w *worker) do(req request) ([]step, error) {
	switch req.Mode {
	case "run":
		return w.runMode(req.ID)
	case "seq":
		return w.seqMode(req.ID)
	}
	return nil, fmt.Errorf("unknown mode %q", req.Mode)
}

// runMode: `rt run <id>`, then `rt delete <id>` whose failure is ignored
// (runc and crun remove a foreground container themselves).
func (w *worker) runMode(id string) ([]step, error) {
	t0 := time.Now()
	if err := w.rt("run", "--bundle", w.cfg.Bundle, id); err != nil {
		return nil, err
	}
	t1 := time.Now()
	_ = w.rt("delete", id)
	t2 := time.Now()
	return []step{{"run", t1.Sub(t0)}, {"delete", t2.Sub(t1)}}, nil
}

// seqMode: create, start, wait for the container process, delete.
func (w *worker) seqMode(id string) ([]step, error) {
	pidFile := filepath.Join(w.cfg.Scratch, w.cfg.Label+".pid")
	os.Remove(pidFile)
	t0 := time.Now()
	if err := w.rt("create", "--bundle", w.cfg.Bundle, "--pid-file", pidFile, id); err != nil {
		return nil, err
	}
	t1 := time.Now()
	// Untimed: open a pidfd on the container process while it waits for start.
	pidfd, err := openPidfd(pidFile)
	if err != nil {
		return nil, err
	}
	defer unix.Close(pidfd)
	t1b := time.Now()
	if err := w.rt("start", id); err != nil {
		return nil, err
	}
	t2 := time.Now()
	if err := waitPidfd(pidfd, w.cfg.Timeout); err != nil {
		return nil, fmt.Errorf("wait for container %s: %w", id, err)
	}
	t3 := time.Now()
	if err := w.rt("delete", id); err != nil {
		return nil, err
	}
	t4 := time.Now()
	return []step{{"create", t1.Sub(t0)}, {"start", t2.Sub(t1b)}, {"wait", t3.Sub(t2)}, {"delete", t4.Sub(t3)}}, nil
}

func openPidfd(pidFile string) (int, error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return -1, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return -1, fmt.Errorf("bad pid file content %q", b)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	return fd, nil
}

// waitPidfd blocks until the process behind fd has exited.
func waitPidfd(fd int, timeout time.Duration) error {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(timeout.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll pidfd: %w", err)
		}
		if n == 0 {
			return errors.New("timed out")
		}
		return nil
	}
}

// forceDelete removes what a failed iteration left behind.
func (w *worker) forceDelete(id string) {
	_ = w.rt("kill", id, "KILL")
	_ = w.rt("delete", "--force", id)
}
