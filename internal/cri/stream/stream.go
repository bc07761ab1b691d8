// Package stream is the CRI's streaming server: the Exec, Attach and
// PortForward calls of the CRI answer a URL of this HTTP server (Kubernetes'
// k8s.io/cri-streaming, as containerd and CRI-O use it), where the client's
// SPDY or WebSocket streams are joined to an exec of the daemon, an attach
// to a container's process, or a TCP connection dialled to 127.0.0.1 inside
// a pod's network namespace.
package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	"k8s.io/cri-streaming/pkg/streaming"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
)

// DefaultAddress is where the server listens unless configured: a random
// port on the loopback address, containerd's default (the kubelet proxies
// the streams of the API server to it).
const DefaultAddress = "127.0.0.1:0"

// Backend is what the streams need of the daemon: its execs, its attach
// and its terminal resizes, and a container's inspect for the network
// namespace of a pod.
type Backend interface {
	ExecCreate(ctx context.Context, name string, req containertypes.ExecCreateRequest) (string, error)
	ExecStart(ctx context.Context, id string, opts backend.ExecStartOptions) error
	ExecResize(ctx context.Context, id string, height, width uint) error
	ExecInspect(ctx context.Context, id string) (*containertypes.ExecInspectResponse, error)
	ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error
	ContainerResize(ctx context.Context, name string, height, width uint) error
	ContainerInspect(ctx context.Context, name string, size bool) (*containertypes.InspectResponse, error)
}

// Server hands out the URLs of stream requests and serves them.
type Server struct {
	streaming.Server
	http *http.Server
	addr string
}

// Listen listens on addr (host:port; port 0 picks one) and serves the
// streams of b on it until Stop.
func Listen(addr string, b Backend, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cri stream server: %w", err)
	}
	cfg := streaming.DefaultConfig
	cfg.Addr = ln.Addr().String() // the port picked, in the URLs handed out
	ss, err := streaming.NewServer(cfg, adapter{b: b, log: log})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("cri stream server: %w", err)
	}
	s := &Server{Server: ss, http: &http.Server{Handler: ss, ReadHeaderTimeout: time.Minute}, addr: cfg.Addr}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("cri stream server", "err", err)
		}
	}()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.addr }

// Stop closes the listener and the open streams.
func (s *Server) Stop() { _ = s.http.Close() }

// adapter is the daemon as the streaming package's Runtime.
type adapter struct {
	b   Backend
	log *slog.Logger
}

// Exec runs cmd as an exec of the daemon with the client's streams, the
// client's terminal sizes applied to its terminal; a command that exits
// non-zero is an exitError, which the client reports with its code.
func (a adapter) Exec(ctx context.Context, id string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	execID, err := a.b.ExecCreate(ctx, id, containertypes.ExecCreateRequest{
		Cmd: cmd, Tty: tty, AttachStdin: in != nil, AttachStdout: out != nil, AttachStderr: errw != nil,
	})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go resizeEach(rctx, resize, func(h, w uint) error { return a.b.ExecResize(rctx, execID, h, w) })
	if err := a.b.ExecStart(ctx, execID, backend.ExecStartOptions{Open: opener(in, out, errw)}); err != nil {
		return err
	}
	st, err := a.b.ExecInspect(ctx, execID)
	if err != nil {
		return err
	}
	if st.ExitCode != nil && *st.ExitCode != 0 {
		return exitError(*st.ExitCode)
	}
	return nil
}

// Attach joins the client's streams to the container's process until it
// exits or the client leaves.
func (a adapter) Attach(ctx context.Context, id string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go resizeEach(rctx, resize, func(h, w uint) error { return a.b.ContainerResize(rctx, id, h, w) })
	return a.b.ContainerAttach(ctx, id, backend.ContainerAttachOptions{
		Stream: true, Stdin: in != nil, Stdout: out != nil, Stderr: errw != nil, Open: opener(in, out, errw),
	})
}

// PortForward copies between the client's stream and a connection to
// 127.0.0.1:port in the pod's network namespace (the host's for a pod on
// the host's network) until the pod's side ends, or the client's fails.
func (a adapter) PortForward(ctx context.Context, sandbox string, port int32, s io.ReadWriteCloser) error {
	defer s.Close()
	in, err := a.b.ContainerInspect(ctx, sandbox, false)
	if err != nil {
		return err
	}
	if in.State == nil || !in.State.Running {
		return errdefs.Conflict(fmt.Errorf("pod sandbox %s is not running", sandbox))
	}
	netns := "" // the host's network
	switch {
	case in.HostConfig != nil && in.HostConfig.NetworkMode.IsHost():
	case in.NetworkSettings != nil && in.NetworkSettings.SandboxKey != "":
		netns = in.NetworkSettings.SandboxKey
	default: // the namespace the CNI plugins connected, the infra's own
		netns = fmt.Sprintf("/proc/%d/ns/net", in.State.Pid)
	}
	conn, err := dialIn(netns, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("port %d of pod sandbox %s: %w", port, sandbox, err)
	}
	defer conn.Close()
	go func() {
		// The client's end closes the pod's writing side; a broken
		// client stream closes the whole connection.
		if _, err := io.Copy(conn, s); err != nil {
			conn.Close()
			return
		}
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	if _, err := io.Copy(s, conn); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// opener hands the client's streams to the daemon's exec or attach, as
// they are (not multiplexed: each has its own SPDY or WebSocket stream).
func opener(in io.Reader, out, errw io.WriteCloser) backend.StreamOpener {
	return func(bool) (io.ReadCloser, io.Writer, io.Writer, error) {
		var stdin io.ReadCloser
		if in != nil {
			stdin = io.NopCloser(in)
		}
		return stdin, out, errw, nil // a nil stream stays nil
	}
}

// resizeEach applies each terminal size of the client until ctx ends. A
// size that comes before the process exists (a Conflict) is applied once
// it does.
func resizeEach(ctx context.Context, sizes <-chan remotecommand.TerminalSize, resize func(h, w uint) error) {
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		var size remotecommand.TerminalSize
		select {
		case <-ctx.Done():
			return
		case s, ok := <-sizes:
			if !ok {
				return
			}
			size = s
		}
		for err := resize(uint(size.Height), uint(size.Width)); errdefs.IsConflict(err); err = resize(uint(size.Height), uint(size.Width)) {
			select {
			case <-ctx.Done():
				return
			case <-retry.C:
			}
		}
	}
}

// exitError is a command's non-zero exit code, as the streaming package
// reads it (k8s.io/utils/exec's ExitError).
type exitError int

func (e exitError) Error() string   { return "command exited with " + strconv.Itoa(int(e)) }
func (e exitError) String() string  { return e.Error() }
func (e exitError) Exited() bool    { return true }
func (e exitError) ExitStatus() int { return int(e) }
