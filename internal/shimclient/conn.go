package shimclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// maxSunPath is the longest unix socket path the kernel accepts (108 with NUL).
const maxSunPath = 107

// conn talks HTTP to one container's socket, through the one HTTP client
// of all containers (shared).
type conn struct {
	sock string
	// host is the socket path, hex-encoded, and the number of this handle:
	// shared's connections are pooled by host, so a handle never reuses a
	// connection to an earlier server on the same path (a container's
	// shim before its restart), which may have gone since.
	host string
}

// handles numbers the conns, for their hosts.
var handles atomic.Uint64

// shared is the HTTP client of every container's socket: its dialer finds
// the socket in the request's host.
var shared = &http.Client{Transport: &http.Transport{
	DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		host, _, _ := strings.Cut(addr, ".")
		sock, err := hex.DecodeString(host)
		if err != nil {
			return nil, fmt.Errorf("bad shim address %q", addr)
		}
		return dialUnix(ctx, string(sock))
	},
	MaxIdleConnsPerHost: 2,
	// A container's calls come in bursts (create, start, attach); an idle
	// connection between them would cost this process and the monitor a
	// pair of goroutines and buffers per container.
	IdleConnTimeout:    2 * time.Second,
	DisableCompression: true,
}}

func newConn(stateDir string) *conn {
	sock := filepath.Join(stateDir, SocketFile)
	return &conn{sock: sock, host: hex.EncodeToString([]byte(sock)) + "." + strconv.FormatUint(handles.Add(1), 10)}
}

// dial connects to the shim socket.
func (c *conn) dial(ctx context.Context) (net.Conn, error) { return dialUnix(ctx, c.sock) }

// dialUnix connects to a unix socket. A path longer than sun_path is reached
// through /proc/self/fd/<dirfd>/<name>, which is always short.
func dialUnix(ctx context.Context, sock string) (net.Conn, error) {
	var d net.Dialer
	if len(sock) <= maxSunPath {
		return d.DialContext(ctx, "unix", sock)
	}
	dir, err := os.Open(filepath.Dir(sock))
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return d.DialContext(ctx, "unix", fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(sock)))
}

// call does one request; in (if not nil) is sent as JSON, out (if not nil)
// receives the JSON reply. Errors keep their errdefs category; a shim that
// cannot be reached is Unavailable.
func (s *Shim) call(ctx context.Context, method, path string, q url.Values, in, out any) error {
	if s.dead != nil {
		return errdefs.Conflict(fmt.Errorf("container %s: shim has exited", s.id))
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	u := "http://" + s.conn.host + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	resp, err := shared.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errdefs.Unavailable(fmt.Errorf("shim %s %s: %w", s.id, path, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return decodeError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode shim %s reply: %w", path, err)
	}
	return nil
}

func decodeError(resp *http.Response) error {
	var we WireError
	if err := json.NewDecoder(resp.Body).Decode(&we); err != nil || we.Message == "" {
		we.Message = "shim: " + resp.Status
	}
	return KindError(we.Kind, errors.New(we.Message))
}

// KindError gives err the errdefs category named by kind.
func KindError(kind string, err error) error {
	switch kind {
	case "not found":
		return errdefs.NotFound(err)
	case "conflict":
		return errdefs.Conflict(err)
	case "invalid parameter":
		return errdefs.InvalidParameter(err)
	case "unavailable":
		return errdefs.Unavailable(err)
	}
	return err
}

// attach opens the hijacked stream of /attach and copies until the output
// ends or ctx is done.
func (s *Shim) attach(ctx context.Context, execID string, st Streams) error {
	if s.dead != nil {
		return errdefs.Conflict(fmt.Errorf("container %s is not running", s.id))
	}
	c, err := s.conn.dial(ctx)
	if err != nil {
		return errdefs.Unavailable(fmt.Errorf("attach to shim %s: %w", s.id, err))
	}
	defer c.Close()
	q := url.Values{}
	if execID != "" {
		q.Set("exec", execID)
	}
	if st.Stdin != nil {
		q.Set("stdin", "1")
	}
	if st.Stdout != nil {
		q.Set("stdout", "1")
	}
	if st.Stderr != nil {
		q.Set("stderr", "1")
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	req := "POST /attach?" + q.Encode() + " HTTP/1.1\r\nHost: shim\r\nConnection: Upgrade\r\nUpgrade: berth-stream\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return ctxErr(ctx, fmt.Errorf("attach to shim %s: %w", s.id, err))
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("attach to shim %s: %w", s.id, err))
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		return decodeError(resp)
	}
	if st.Ready != nil {
		st.Ready()
	}
	if st.Stdin != nil {
		recovery.Go(nil, "stdin of "+s.id, func() {
			_, _ = io.Copy(c, st.Stdin)
			if uc, ok := c.(*net.UnixConn); ok {
				_ = uc.CloseWrite()
			}
		}, nil)
	}
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return ctx.Err()
			}
			return ctxErr(ctx, fmt.Errorf("read attach stream of %s: %w", s.id, err))
		}
		n := int64(binary.BigEndian.Uint32(hdr[4:]))
		w := st.Stdout
		if hdr[0] == StreamStderr {
			w = st.Stderr
		}
		if w == nil {
			w = io.Discard
		}
		if _, err := io.CopyN(w, br, n); err != nil {
			return ctxErr(ctx, fmt.Errorf("copy attach stream of %s: %w", s.id, err))
		}
	}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// readExit reads the exit status recorded in stateDir.
func readExit(stateDir string) (Exit, error) {
	var e Exit
	b, err := os.ReadFile(filepath.Join(stateDir, ExitFile))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("decode %s: %w", ExitFile, err)
	}
	return e, nil
}
