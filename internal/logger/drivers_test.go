package logger

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

// seqMsgs are n numbered lines, a millisecond apart.
func seqMsgs(n int, base time.Time) []Message {
	var out []Message
	for i := 0; i < n; i++ {
		out = append(out, Message{Line: []byte(fmt.Sprintf("line-%05d %s\n", i, strings.Repeat("x", 40))), Stream: Stdout, Time: base.Add(time.Duration(i) * time.Millisecond)})
	}
	return out
}

func writeDriver(t *testing.T, cfg Config, ms []Message) {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, d, ms)
}

// writeAll writes ms one by one, then closes d.
func writeAll(t *testing.T, d Driver, ms []Message) {
	t.Helper()
	for _, m := range ms {
		if err := d.Append(m); err != nil {
			t.Fatal(err)
		}
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

func checkSeq(t *testing.T, got []Message, first, last int) {
	t.Helper()
	if len(got) != last-first+1 {
		t.Fatalf("read %d messages, want %d (%d..%d)", len(got), last-first+1, first, last)
	}
	for i, m := range got {
		if want := fmt.Sprintf("line-%05d ", first+i); !strings.HasPrefix(string(m.Line), want) || !strings.HasSuffix(string(m.Line), "x\n") {
			t.Fatalf("message %d = %q, want %q…", i, m.Line, want)
		}
	}
}

// TestCompressedRotation: with compress, rotated files are gzipped under
// dockerd's names (c.log.1.gz …), the oldest dropped; Read and a tail
// read across them in order.
func TestCompressedRotation(t *testing.T) {
	for _, driver := range []string{JSONFile, Local} {
		t.Run(driver, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.log")
			writeDriver(t, Config{Driver: driver, Path: path, Opts: map[string]string{"max-size": "10k", "max-file": "4", "compress": "true"}}, seqMsgs(2000, time.Now()))
			var names []string
			var total int64
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				names = append(names, e.Name())
				st, _ := e.Info()
				total += st.Size()
			}
			sort.Strings(names)
			if strings.Join(names, " ") != "c.log c.log.1.gz c.log.2.gz c.log.3.gz" {
				t.Fatalf("files %v", names)
			}
			all := readLines(t, path, ReadConfig{Tail: -1, Driver: driver})
			if len(all) == 0 || !strings.HasPrefix(string(all[len(all)-1].Line), "line-01999 ") {
				t.Fatalf("read %d messages", len(all))
			}
			first := 2000 - len(all)
			checkSeq(t, all, first, 1999)
			checkSeq(t, readLines(t, path, ReadConfig{Tail: 5, Driver: driver}), 1995, 1999)
			// a tail that reaches into the compressed files
			checkSeq(t, readLines(t, path, ReadConfig{Tail: len(all) - 3, Driver: driver}), first+3, 1999)
			t.Logf("%s: %d of 2000 lines kept in %d bytes", driver, len(all), total)
		})
	}
}

// TestLocalFormat: an entry is the protobuf LogEntry framed by its size
// before and after; a long line's pieces carry partial metadata; Read
// gives back the lines with their newlines.
func TestLocalFormat(t *testing.T) {
	ts := time.Unix(1700000000, 5)
	b := localFormat{}.encode(nil, Message{Line: []byte("hi\n"), Stream: Stdout, Time: ts})
	// 0a 06 "stdout" 10 <varint ns> 1a 02 "hi"
	want := "0a067374646f757410" + fmt.Sprintf("%x", appendVarint(nil, uint64(ts.UnixNano()))) + "1a026869"
	if got := fmt.Sprintf("%x", b[4:len(b)-4]); got != want {
		t.Fatalf("entry %s, want %s", got, want)
	}
	if fmt.Sprintf("%x", b[:4]) != fmt.Sprintf("%08x", len(b)-8) || fmt.Sprintf("%x", b[len(b)-4:]) != fmt.Sprintf("%08x", len(b)-8) {
		t.Fatalf("framing %x", b)
	}
	path := filepath.Join(t.TempDir(), "local-logs", "container.log")
	var ms []Message
	w := NewLineWriter(Stderr, func(m Message) { m.Line = append([]byte(nil), m.Line...); ms = append(ms, m) })
	w.Write([]byte("short\n" + strings.Repeat("y", MaxLine+5) + "\nend"))
	w.Close()
	writeDriver(t, Config{Driver: Local, Path: path, Attrs: map[string]string{"tag": "t1"}}, ms)
	got := readLines(t, path, ReadConfig{Tail: -1, Driver: Local})
	if len(got) != 4 || string(got[0].Line) != "short\n" || len(got[1].Line) != MaxLine || string(got[2].Line) != "yyyyy\n" || string(got[3].Line) != "end" || got[0].Stream != Stderr || got[3].Attrs["tag"] != "t1" {
		t.Fatalf("read back %v", got)
	}
	if tail := readLines(t, path, ReadConfig{Tail: 2, Driver: Local}); len(tail) != 2 || string(tail[1].Line) != "end" {
		t.Fatalf("tail %+v", tail)
	}
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// TestSyslogFormats sends a line and an error line over udp, tcp and a
// unix socket in each format and checks what the server reads.
func TestSyslogFormats(t *testing.T) {
	host, _ := os.Hostname()
	stamp := `[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d`
	pid := fmt.Sprint(os.Getpid())
	for _, tc := range []struct{ format, want string }{
		{"", `^<30>` + stamp + ` tg\[` + pid + `\]: out line\n<27>` + stamp + ` tg\[` + pid + `\]: err line\n$`},
		{"rfc3164", `^<30>` + stamp + ` ` + host + ` tg\[` + pid + `\]: out line\n<27>`},
		{"rfc5424", `^<30>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) ` + host + ` tg ` + pid + ` tg - out line\n<27>1 `},
		{"rfc5424micro", `^<30>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d) ` + host + ` tg ` + pid + ` tg - out line\n`},
	} {
		for _, network := range []string{"udp", "tcp", "unixgram"} {
			got := syslogRoundTrip(t, network, tc.format)
			if !regexp.MustCompile(tc.want).MatchString(got) {
				t.Errorf("%s %q: got %q, want %s", network, tc.format, got, tc.want)
			}
		}
	}
}

func syslogRoundTrip(t *testing.T, network, format string) string {
	t.Helper()
	got := make(chan string, 1)
	var addr string
	switch network {
	case "tcp":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addr = "tcp://" + l.Addr().String()
		go func() {
			c, err := l.Accept()
			if err != nil {
				got <- err.Error()
				return
			}
			r := bufio.NewReader(c)
			a, _ := r.ReadString('\n')
			b, _ := r.ReadString('\n')
			got <- a + b
		}()
	default:
		var pc net.PacketConn
		var err error
		if network == "udp" {
			pc, err = net.ListenPacket("udp", "127.0.0.1:0")
			addr = "udp://" + pc.LocalAddr().String()
		} else {
			p := filepath.Join(t.TempDir(), "log.sock")
			pc, err = net.ListenPacket("unixgram", p)
			addr = "unixgram://" + p
		}
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		go func() {
			var s string
			buf := make([]byte, 4096)
			for i := 0; i < 2; i++ {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					break
				}
				s += string(buf[:n])
			}
			got <- s
		}()
	}
	d, err := New(Config{Driver: Syslog, Tag: "tg", Opts: map[string]string{"syslog-address": addr, "syslog-format": format, "syslog-facility": "daemon"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	_ = d.Append(Message{Line: []byte("out line\n"), Stream: Stdout, Time: now})
	_ = d.Append(Message{Line: []byte("err line\n"), Stream: Stderr, Time: now})
	defer d.Close()
	return testutil.Receive(t, got, 5*time.Second, network+" message received")
}

// TestNonBlockingNeverBlocks: a tcp syslog server that accepts and never
// reads fills the socket buffers; with mode=non-blocking appends still
// return at once and the overflow is dropped; Close returns.
func TestNonBlockingNeverBlocks(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(30 * time.Second)
		}
	}()
	d, err := New(Config{Driver: Syslog, Tag: "t", Opts: map[string]string{"syslog-address": "tcp://" + l.Addr().String(), "mode": "non-blocking", "max-buffer-size": "64k"}})
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("z", 1000) + "\n")
	start := time.Now()
	for i := 0; i < 50000; i++ { // 50 MB: far more than the socket buffers hold
		_ = d.Append(Message{Line: line, Stream: Stdout, Time: start})
		_ = d.Flush()
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("appends took %v", el)
	}
	if nb := d.(*nonBlocking); nb.dropped == 0 {
		t.Fatal("nothing dropped: the server should have stopped taking data")
	}
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
}
