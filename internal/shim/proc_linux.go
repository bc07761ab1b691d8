package shim

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	"golang.org/x/sys/unix"
)

// heldMax bounds the output held for Start (the init) or for an exec's
// first attach.
const heldMax = 1 << 20

// drainTimeout bounds the wait for the output pipes to close after the
// process exited (a process outside the container's pid namespace can keep
// them open).
const drainTimeout = 2 * time.Second

// proc is one monitored process: the container init or an exec.
type proc struct {
	execID    string // "" for the container init
	pid       int
	stdinOnce bool

	// stdio seen from the shim: the write end of stdin (or the pty master)
	// and the read ends of stdout and stderr (or the pty master).
	stdin   *os.File
	console *os.File
	stdout  *os.File
	stderr  *os.File
	// the container's ends, closed once the runtime has them
	theirs []*os.File

	outMu   sync.Mutex // serializes output delivery
	holding bool       // output is kept in held instead of being delivered
	held    []frame
	heldN   int
	// waitFull makes a full hold wait for release instead of dropping
	// output: the init's output is the container's log, which loses
	// nothing, and Start comes soon. released is signalled on release.
	waitFull bool
	released sync.Cond
	subs     map[*sub]struct{}
	log      map[int]*logger.LineWriter // per stream; nil for execs
	logFile  logger.Driver              // where log writes; flushed after each read
	pumps    atomic.Int32               // pumps still reading; the last one ends the output
	outDone  chan struct{}              // closed when all output has been read and delivered

	stdinMu   sync.Mutex
	stdinBusy bool

	done chan struct{} // closed once exit is set and output is drained
	exit shimclient.Exit

	// gate, when set, holds the exit report until opened: a container run
	// at create (RunOnCreate) may end before the daemon's Start, whose
	// clients must still see it start, get its output, then its exit.
	gate     chan struct{}
	gateOnce sync.Once

	outEnded bool // all output has been read (under outMu)
}

// openGate lets a gated exit be reported; it is idempotent.
func (p *proc) openGate() {
	if p.gate != nil {
		p.gateOnce.Do(func() { close(p.gate) })
	}
}

type frame struct {
	stream byte
	data   []byte
}

// subQueueMax bounds the output queued for one attached client. A client
// that falls this far behind (it reads slowly or not at all) is dropped:
// its stream ends, while the container's output and log, and the other
// clients, go on. 4 MiB is 40 ms of a container writing 100 MB/s, and
// much more than a terminal shows. A client holds at most twice that: the
// queue being written and the one filling.
const subQueueMax = 4 << 20

// patientStall is how long a patient client (see sub.patient) may make
// no progress while the container waits for it before it is dropped.
const patientStall = 30 * time.Second

// sub is one attached client. Output is queued for it (up to subQueueMax)
// and written by the attach handler's goroutine (writeLoop), never by the
// pump, so that a client that stops reading never blocks the container.
type sub struct {
	conn   net.Conn
	stdout bool
	stderr bool
	gone   chan struct{} // closed when the client is gone or dropped
	once   sync.Once
	// patient is a client attached before the process started (the
	// `run`'s own, or an exec's first attach): it must get all of the
	// output, so a full queue makes the container wait for it, as
	// dockerd does, and it is dropped only after patientStall without
	// progress. Other clients are dropped when they fall subQueueMax
	// behind, and never slow the container.
	patient bool
	space   chan struct{} // signalled (capacity 1) when writeLoop takes the queue

	qmu    sync.Mutex
	queue  [][]byte      // framed output not yet written
	queued int           // bytes in queue
	ended  bool          // no more output will be queued
	wake   chan struct{} // signalled (capacity 1) when queue or ended changes
}

func newSub(conn net.Conn, stdout, stderr bool) *sub {
	return &sub{conn: conn, stdout: stdout, stderr: stderr, gone: make(chan struct{}), wake: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// leave drops the client: its pending write is cut short, and what is
// queued is discarded.
func (s *sub) leave() {
	s.once.Do(func() {
		close(s.gone)
		_ = s.conn.SetWriteDeadline(time.Now())
	})
}

// push queues one frame; it returns false when the client is gone or has
// fallen subQueueMax behind (the caller then drops it). A patient client's
// full queue is waited for instead, while its writes make progress.
func (s *sub) push(hdr [8]byte, data []byte) bool {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	var stall *time.Timer
	for {
		select {
		case <-s.gone:
			return false
		default:
		}
		if s.queued == 0 || s.queued+len(hdr)+len(data) <= subQueueMax {
			break
		}
		if !s.patient {
			return false
		}
		if stall == nil {
			stall = time.NewTimer(patientStall)
			defer stall.Stop()
		}
		s.qmu.Unlock()
		select {
		case <-s.space:
			stall.Reset(patientStall)
		case <-s.gone:
		case <-stall.C:
			s.qmu.Lock()
			return false
		}
		s.qmu.Lock()
	}
	b := make([]byte, 0, len(hdr)+len(data))
	b = append(append(b, hdr[:]...), data...)
	s.queue = append(s.queue, b)
	s.queued += len(b)
	s.signal()
	return true
}

// finishTimeout bounds the writing of what is queued for a client once
// the output ended: one that stopped reading then is let go.
const finishTimeout = 30 * time.Second

// finish marks the end of output: writeLoop returns once the queue is
// written.
func (s *sub) finish() {
	s.qmu.Lock()
	s.ended = true
	s.signal()
	s.qmu.Unlock()
	select {
	case <-s.gone: // dropped: its deadline has passed already
	default:
		_ = s.conn.SetWriteDeadline(time.Now().Add(finishTimeout))
	}
}

func (s *sub) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop writes the queued output to the client until the output ended
// and all of it is written, or the client is gone.
func (s *sub) writeLoop() {
	for {
		s.qmu.Lock()
		q, ended := s.queue, s.ended
		s.queue, s.queued = nil, 0
		s.qmu.Unlock()
		select {
		case s.space <- struct{}{}:
		default:
		}
		if len(q) > 0 {
			bufs := net.Buffers(q)
			if _, err := bufs.WriteTo(s.conn); err != nil {
				s.leave()
				return
			}
			continue
		}
		if ended {
			return
		}
		select {
		case <-s.wake:
		case <-s.gone:
			return
		}
	}
}

func newProc(execID string) *proc {
	p := &proc{execID: execID, subs: map[*sub]struct{}{}, outDone: make(chan struct{}), done: make(chan struct{})}
	p.released.L = &p.outMu
	return p
}

// setupPipes creates stdio pipes. It returns the container's side.
func (p *proc) setupPipes(openStdin bool) ([3]*os.File, error) {
	var theirs [3]*os.File
	if openStdin {
		r, w, err := os.Pipe()
		if err != nil {
			return theirs, err
		}
		theirs[0], p.stdin = r, w
	} else {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return theirs, err
		}
		theirs[0] = f
	}
	for i, dst := range []**os.File{&p.stdout, &p.stderr} {
		r, w, err := os.Pipe()
		if err != nil {
			p.closeTheirs()
			return theirs, err
		}
		theirs[i+1], *dst = w, r
	}
	p.theirs = theirs[:]
	return theirs, nil
}

func (p *proc) closeTheirs() {
	for _, f := range p.theirs {
		if f != nil {
			f.Close()
		}
	}
	p.theirs = nil
}

// startPumps starts copying output; stdout and stderr (or the console) are
// read until EOF, and the last pump to see it ends the output (endOutput).
func (p *proc) startPumps() {
	if p.console != nil {
		p.pumps.Store(1)
		p.pump(shimclient.StreamStdout, p.console)
	} else {
		p.pumps.Store(2)
		p.pump(shimclient.StreamStdout, p.stdout)
		p.pump(shimclient.StreamStderr, p.stderr)
	}
}

// endOutput closes the log writers and lets the attached clients go.
func (p *proc) endOutput() {
	p.outMu.Lock()
	for _, lw := range p.log {
		lw.Close()
	}
	if p.logFile != nil {
		_ = p.logFile.Flush()
	}
	// Output is over: the attached clients are done, unless the output
	// is still held (a container run at create before Start): then
	// release delivers it to them first.
	subs := p.subs
	if p.holding {
		subs = nil
	} else {
		p.subs = map[*sub]struct{}{}
	}
	p.outEnded = true
	p.outMu.Unlock()
	for s := range subs {
		s.finish()
	}
	close(p.outDone)
}

// readBufs are the pumps' read buffers: taken only while data is there to
// read, so that an idle container holds none.
var readBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (p *proc) pump(stream byte, f *os.File) {
	go func() {
		defer func() {
			if p.pumps.Add(-1) == 0 {
				p.endOutput()
			}
		}()
		rc, err := f.SyscallConn()
		if err != nil {
			return
		}
		for {
			var buf *[32 << 10]byte
			var n int
			var rerr error
			err := rc.Read(func(fd uintptr) bool {
				buf = readBufs.Get().(*[32 << 10]byte)
				for {
					n, rerr = unix.Read(int(fd), buf[:])
					if rerr != unix.EINTR {
						break
					}
				}
				if rerr == unix.EAGAIN {
					readBufs.Put(buf)
					buf = nil
					return false // wait until readable, holding no buffer
				}
				return true
			})
			if n > 0 {
				p.output(stream, buf[:n])
			}
			if buf != nil {
				readBufs.Put(buf)
			}
			if err != nil || rerr != nil || n <= 0 {
				// EOF, or EIO from a pty master once the slave is closed,
				// or a read deadline.
				return
			}
		}
	}()
}

// output delivers data to the log and the attached clients, or holds it.
func (p *proc) output(stream byte, data []byte) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	for p.holding && p.waitFull && p.heldN >= heldMax {
		p.released.Wait() // the pipe fills and the process waits for Start
	}
	if p.holding {
		if p.heldN < heldMax {
			p.held = append(p.held, frame{stream, append([]byte(nil), data...)})
			p.heldN += len(data)
		}
		return
	}
	p.deliver(stream, data)
}

// deliver must be called with outMu held.
func (p *proc) deliver(stream byte, data []byte) {
	if lw := p.log[int(stream)]; lw != nil {
		lw.Write(data)
		_ = p.logFile.Flush()
	}
	var hdr [8]byte
	hdr[0] = stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(data)))
	for s := range p.subs {
		if (stream == shimclient.StreamStdout && !s.stdout) || (stream == shimclient.StreamStderr && !s.stderr) {
			continue
		}
		if !s.push(hdr, data) {
			delete(p.subs, s)
			s.leave()
		}
	}
}

// release stops holding output and delivers what was held.
func (p *proc) release() {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	p.releaseLocked()
}

func (p *proc) releaseLocked() {
	if !p.holding {
		return
	}
	p.holding = false
	p.released.Broadcast()
	for _, f := range p.held {
		p.deliver(f.stream, f.data)
	}
	p.held, p.heldN = nil, 0
	if p.outEnded {
		for s := range p.subs {
			s.finish()
		}
		p.subs = map[*sub]struct{}{}
	}
}

// heldText returns the held stderr (or console) output: the runtime's error
// message when create or exec failed.
func (p *proc) heldText() string {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	var b []byte
	for _, f := range p.held {
		if f.stream == shimclient.StreamStderr || p.console != nil {
			b = append(b, f.data...)
		}
	}
	return string(b)
}

// subscribe attaches s. greet writes the reply that opens the stream; it
// runs under outMu, before any output can reach s, so that the client's
// Ready means "registered". The first attach of an exec gets the output
// held until then. It returns false when the output has already ended.
func (p *proc) subscribe(s *sub, greet func() error) (live bool, err error) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if err := greet(); err != nil {
		return false, err
	}
	select {
	case <-p.outDone:
		// Output is over; an exec's held output still goes to its first attach.
		if p.holding {
			p.subs[s] = struct{}{}
			p.releaseLocked()
			delete(p.subs, s)
		}
		s.finish()
		return false, nil
	default:
	}
	s.patient = p.holding // attached before the process started
	p.subs[s] = struct{}{}
	if p.execID != "" {
		p.releaseLocked()
	}
	return true, nil
}

func (p *proc) unsubscribe(s *sub) {
	p.outMu.Lock()
	delete(p.subs, s)
	p.outMu.Unlock()
}

// copyStdin copies one client's input to the process. Only one client feeds
// stdin at a time; others' input is discarded. The process's stdin is closed
// at the end when it is a stdin-once process.
func (p *proc) copyStdin(r io.Reader) {
	w := p.stdin
	if p.console != nil {
		w = p.console
	}
	p.stdinMu.Lock()
	if w == nil || p.stdinBusy {
		p.stdinMu.Unlock()
		_, _ = io.Copy(io.Discard, r)
		return
	}
	p.stdinBusy = true
	p.stdinMu.Unlock()
	_, _ = io.Copy(w, r)
	p.stdinMu.Lock()
	p.stdinBusy = false
	if p.stdinOnce {
		p.closeStdinLocked()
	}
	p.stdinMu.Unlock()
}

func (p *proc) closeStdin() {
	p.stdinMu.Lock()
	p.closeStdinLocked()
	p.stdinMu.Unlock()
}

func (p *proc) closeStdinLocked() {
	if p.stdin != nil {
		p.stdin.Close()
		p.stdin = nil
	}
}

// resize sets the pty window size.
func (p *proc) resize(h, w uint16) error {
	if p.console == nil {
		return errors.New("the process has no terminal")
	}
	return unix.IoctlSetWinsize(int(p.console.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: h, Col: w})
}

// exited records the exit status, waits for the output to drain and
// releases the waiters.
func (p *proc) exited(ws syscall.WaitStatus, onExit func(*shimclient.Exit)) {
	e := shimclient.Exit{ExitedAt: time.Now().UTC()}
	if ws.Signaled() {
		e.Signal = ws.Signal()
		e.Code = 128 + int(e.Signal)
	} else {
		e.Code = ws.ExitStatus()
	}
	select {
	case <-p.outDone:
	case <-time.After(drainTimeout):
		// Something outside the container keeps the pipes open, or a log
		// driver cannot deliver (a syslog server that stopped reading, in
		// blocking mode): stop reading, and close the log so that a
		// delivery under way fails.
		for _, f := range []*os.File{p.stdout, p.stderr, p.console} {
			if f != nil {
				_ = f.SetReadDeadline(time.Now())
			}
		}
		if p.logFile != nil {
			_ = p.logFile.Close() // first: a delivery under way holds outMu
		}
		p.outMu.Lock()
		p.waitFull = false // a process killed before Start: its held output ends here
		p.released.Broadcast()
		p.outMu.Unlock()
		<-p.outDone
	}
	p.closeStdin()
	for _, f := range []*os.File{p.stdout, p.stderr, p.console} {
		if f != nil {
			f.Close()
		}
	}
	if p.gate != nil {
		<-p.gate
	}
	if onExit != nil {
		onExit(&e)
	}
	p.exit = e
	close(p.done)
}

func (p *proc) isDone() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
