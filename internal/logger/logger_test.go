package logger

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

func TestEntryFormat(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	got := string(jsonFormat{}.encode(nil, Message{Line: []byte("a \"q\" <b>\n"), Stream: Stdout, Time: ts}))
	want := `{"log":"a \"q\" <b>\n","stream":"stdout","time":"2024-01-02T03:04:05.123456789Z"}` + "\n"
	if got != want {
		t.Fatalf("entry = %q, want %q", got, want)
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(got), &e); err != nil {
		t.Fatal(err)
	}
	if len(e) != 3 {
		t.Fatalf("fields = %v", e)
	}
}

func TestLineWriterSplits(t *testing.T) {
	var got []string
	w := NewLineWriter(Stderr, func(m Message) {
		if m.Stream != Stderr {
			t.Errorf("stream %q", m.Stream)
		}
		got = append(got, string(m.Line))
	})
	w.Write([]byte("one\ntw"))
	w.Write([]byte("o\n"))
	long := strings.Repeat("x", MaxLine+10)
	w.Write([]byte(long + "\nend"))
	w.Close()
	want := []string{"one\n", "two\n", strings.Repeat("x", MaxLine), "xxxxxxxxxx\n", "end"}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("message %d = %.20q…, want %.20q…", i, got[i], want[i])
		}
	}
}

// writeLog writes msgs to a json-file log c.log in a new directory,
// rotated at maxSize across maxFiles, and returns its path.
func writeLog(t *testing.T, maxSize int64, maxFiles int, msgs []Message) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.log")
	j, err := NewJSONFile(path, maxSize, maxFiles)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, j, msgs)
	return path
}

// epoch is the time of the first message of the tests' logs.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestLog opens a log c.log in a new directory, closed when the test ends.
func newTestLog(t *testing.T, maxSize int64, maxFiles int) (*File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.log")
	j, err := NewJSONFile(path, maxSize, maxFiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func msgs(n int, base time.Time) []Message {
	var out []Message
	for i := 0; i < n; i++ {
		s := Stdout
		if i%2 == 1 {
			s = Stderr
		}
		out = append(out, Message{Line: []byte(strings.Repeat("m", 10) + string(rune('a'+i%26)) + "\n"), Stream: s, Time: base.Add(time.Duration(i) * time.Second)})
	}
	return out
}

func readLines(t *testing.T, path string, cfg ReadConfig) []Message {
	t.Helper()
	return testutil.Collect(t, func(yield func(Message) error) error {
		return Read(context.Background(), path, cfg, yield)
	})
}

func TestRotation(t *testing.T) {
	all := msgs(40, epoch)
	// each entry is 80 bytes: 4 entries per file of 330 bytes
	path := writeLog(t, 330, 3, all)
	dir := filepath.Dir(path)
	for _, name := range []string{"c.log", "c.log.1", "c.log.2"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 330 {
			t.Fatalf("%s is %d bytes, above max-size", name, st.Size())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c.log.3")); err == nil {
		t.Fatal("c.log.3 exists with max-file 3")
	}
	got := readLines(t, path, ReadConfig{Tail: -1})
	if len(got) != 12 {
		t.Fatalf("read %d messages across rotated files, want 12", len(got))
	}
	for i, m := range got {
		if !m.Time.Equal(all[28+i].Time) || string(m.Line) != string(all[28+i].Line) {
			t.Fatalf("message %d = %v, want %v", i, m, all[28+i])
		}
	}
	// max-file 1 truncates in place
	p1 := writeLog(t, 330, 1, all)
	if got := readLines(t, p1, ReadConfig{Tail: -1}); len(got) != 4 || !got[3].Time.Equal(all[39].Time) {
		t.Fatalf("max-file 1: %d messages", len(got))
	}
}

func TestReadFilters(t *testing.T) {
	all := msgs(20, epoch)
	path := writeLog(t, 500, 5, all)

	tail := readLines(t, path, ReadConfig{Tail: 3})
	if len(tail) != 3 || !tail[0].Time.Equal(all[17].Time) || !tail[2].Time.Equal(all[19].Time) {
		t.Fatalf("tail 3 = %v", tail)
	}
	if got := readLines(t, path, ReadConfig{Tail: 0}); len(got) != 0 {
		t.Fatalf("tail 0 returned %d", len(got))
	}
	out := readLines(t, path, ReadConfig{Tail: -1, Stdout: true})
	if len(out) != 10 {
		t.Fatalf("stdout only: %d", len(out))
	}
	for _, m := range out {
		if m.Stream != Stdout {
			t.Fatalf("stderr message in stdout selection")
		}
	}
	tailErr := readLines(t, path, ReadConfig{Tail: 2, Stderr: true})
	if len(tailErr) != 2 || !tailErr[1].Time.Equal(all[19].Time) || tailErr[0].Stream != Stderr {
		t.Fatalf("tail 2 stderr = %v", tailErr)
	}
	win := readLines(t, path, ReadConfig{Tail: -1, Since: epoch.Add(5 * time.Second), Until: epoch.Add(8 * time.Second)})
	if len(win) != 4 || !win[0].Time.Equal(all[5].Time) || !win[3].Time.Equal(all[8].Time) {
		t.Fatalf("since/until = %v", win)
	}
	if got := readLines(t, filepath.Join(filepath.Dir(path), "missing.log"), ReadConfig{Tail: -1}); len(got) != 0 {
		t.Fatal("missing log not empty")
	}
	if s := string(Format(all[0], true)); s != "2024-01-01T00:00:00.000000000Z mmmmmmmmmma\n" {
		t.Fatalf("timestamped line %q", s)
	}
}

func TestFollowAcrossRotation(t *testing.T) {
	j, path := newTestLog(t, 330, 3)
	base := time.Now()
	all := msgs(30, base)
	for _, m := range all[:2] {
		j.Log(m)
	}
	got := make(chan Message, 100)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Read(context.Background(), path, ReadConfig{Tail: 1, Follow: true, Stop: stop}, func(m Message) error {
			got <- m
			return nil
		})
	}()
	first := <-got
	if !first.Time.Equal(all[1].Time) {
		t.Fatalf("tail 1 gave %v", first)
	}
	// Write slowly enough that the follower sees every file before it is
	// rotated away (3 files × 4 entries).
	for i, m := range all[2:] {
		if err := j.Log(m); err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			time.Sleep(2 * FollowInterval)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(got)
	var n int
	for m := range got {
		if !m.Time.Equal(all[2+n].Time) {
			t.Fatalf("followed message %d = %s, want %s", n, m.Line, all[2+n].Line)
		}
		n++
	}
	if n != 28 {
		t.Fatalf("followed %d messages, want 28", n)
	}
}

func TestFollowUntilStopsAndFileIsDockerReadable(t *testing.T) {
	path := writeLog(t, 0, 1, msgs(3, time.Now().Add(-time.Hour)))
	start := time.Now()
	if err := Read(context.Background(), path, ReadConfig{Tail: -1, Follow: true, Until: time.Now().Add(100 * time.Millisecond)}, func(Message) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("follow with until did not stop")
	}
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Log, Stream string
			Time        time.Time
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Log == "" || e.Stream == "" || e.Time.IsZero() {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
	}
}

func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", "quote\" back\\slash", "ctl \x00\x01\x1f\x7f tab\t cr\r nl\n",
		"<html> & stuff", "utf8 é ü 漢字 🚀", "bad \xff\xfe utf8 \xc3", "sep \u2028 \u2029",
	}
	for _, c := range cases {
		got := appendJSONString(nil, []byte(c))
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", c, got, err)
		}
		want, _ := json.Marshal(c) // same decoded value as encoding/json
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-trips to %q, encoding/json gives %q", c, back, wantBack)
		}
	}
}

func BenchmarkLog(b *testing.B) {
	j, err := NewJSONFile(filepath.Join(b.TempDir(), "b.log"), 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	m := Message{Line: []byte("a typical log line of some eighty bytes, with \"quotes\" and a tab\t here\n"), Stream: Stdout, Time: time.Now()}
	for b.Loop() {
		j.Log(m)
	}
}

// A follower is woken by the write itself, not by a slow poll.
func TestFollowLatency(t *testing.T) {
	j, path := newTestLog(t, 0, 1)
	got := make(chan time.Time, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Read(ctx, path, ReadConfig{Tail: -1, Follow: true}, func(Message) error {
		got <- time.Now()
		return nil
	})
	time.Sleep(100 * time.Millisecond) // let the follower reach its wait
	for i := 0; i < 3; i++ {
		sent := time.Now()
		j.Log(Message{Line: []byte("x\n"), Stream: Stdout, Time: sent})
		if d := testutil.Receive(t, got, 5*time.Second, "line seen by the follower").Sub(sent); d > 500*time.Millisecond {
			t.Fatalf("follower saw the line after %v", d)
		}
	}
}

// The backward tail scan agrees with a forward read, across chunk
// boundaries, rotated files, stream selection and since/until.
func TestTailMatchesForwardRead(t *testing.T) {
	var all []Message
	for i := 0; i < 6000; i++ {
		s := Stdout
		if i%3 == 0 {
			s = Stderr
		}
		line := fmt.Sprintf("line %d %s\n", i, strings.Repeat("z", i%200))
		all = append(all, Message{Line: []byte(line), Stream: s, Time: epoch.Add(time.Duration(i) * time.Millisecond)})
	}
	path := writeLog(t, 300<<10, 4, all)
	for _, cfg := range []ReadConfig{
		{Tail: 1}, {Tail: 10}, {Tail: 2500}, {Tail: 100000},
		{Tail: 50, Stderr: true}, {Tail: 50, Stdout: true},
		{Tail: 40, Since: epoch.Add(5990 * time.Millisecond)},
		{Tail: 30, Until: epoch.Add(3000 * time.Millisecond)},
	} {
		fwd := cfg
		fwd.Tail = -1
		want := readLines(t, path, fwd)
		if cfg.Tail < len(want) {
			want = want[len(want)-cfg.Tail:]
		}
		got := readLines(t, path, cfg)
		if len(got) != len(want) {
			t.Fatalf("%+v: %d messages, forward read gives %d", cfg, len(got), len(want))
		}
		for i := range got {
			if string(got[i].Line) != string(want[i].Line) || got[i].Stream != want[i].Stream || !got[i].Time.Equal(want[i].Time) {
				t.Fatalf("%+v: message %d = %q, want %q", cfg, i, got[i].Line, want[i].Line)
			}
		}
	}
}

// A last line still being written is not returned by the tail; following
// picks it up once complete.
func TestTailPartialLastLine(t *testing.T) {
	base := time.Now()
	path := writeLog(t, 0, 1, msgs(3, base))
	full := jsonFormat{}.encode(nil, Message{Line: []byte("late\n"), Stream: Stdout, Time: base.Add(time.Hour)})
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(full[:10])
	got := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Read(ctx, path, ReadConfig{Tail: 1, Follow: true}, func(m Message) error {
		got <- string(m.Line)
		return nil
	})
	if first := <-got; first != "mmmmmmmmmmc\n" {
		t.Fatalf("tail 1 = %q", first)
	}
	f.Write(full[10:])
	f.Close()
	if l := testutil.Receive(t, got, 5*time.Second, "completed line followed"); l != "late\n" {
		t.Fatalf("followed %q", l)
	}
}

// TestJSONFileFullDisk writes to /dev/full, where every write fails with
// ENOSPC: the messages are dropped and counted, the writer never blocks,
// and it goes on taking messages.
func TestJSONFileFullDisk(t *testing.T) {
	j, err := NewJSONFile("/dev/full", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	m := Message{Line: []byte("x\n"), Stream: Stdout, Time: time.Now()}
	if err := j.Log(m); err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("Log on a full disk: %v", err)
	}
	for i := 0; i < 3; i++ {
		_ = j.Append(m)
	}
	_ = j.Flush()
	if got := j.Dropped(); got != 4 {
		t.Fatalf("dropped %d messages, want 4", got)
	}
}

// TestRotationOptions: json-file and local rotate at 20 MB with 5 files
// unless told otherwise; max-size=-1 keeps one unbounded file; bad values
// are refused with dockerd's words.
func TestRotationOptions(t *testing.T) {
	for _, tc := range []struct {
		driver string
		opts   map[string]string
		want   rotation
		err    string
	}{
		{JSONFile, nil, rotation{20 << 20, 5, false}, ""},
		{Local, nil, rotation{20 << 20, 5, true}, ""},
		{JSONFile, map[string]string{"max-size": "10m", "max-file": "3", "compress": "true"}, rotation{10_000_000, 3, true}, ""},
		{JSONFile, map[string]string{"max-size": "1k"}, rotation{1000, 5, false}, ""},
		{JSONFile, map[string]string{"max-size": "-1"}, rotation{0, 1, false}, ""},
		{JSONFile, map[string]string{"max-size": "lots"}, rotation{}, "invalid size: 'lots'"},
		{JSONFile, map[string]string{"max-file": "0"}, rotation{}, "max-file cannot be less than 1"},
		{JSONFile, map[string]string{"max-file": "1", "compress": "true"}, rotation{}, "compress cannot be true when max-file is less than 2 or max-size is not set"},
		{Local, map[string]string{"max-file": "1"}, rotation{20 << 20, 1, false}, ""},
	} {
		got, err := fileRotation(tc.driver, tc.opts)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s %v: err %v, want %q", tc.driver, tc.opts, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %v = %+v, %v; want %+v", tc.driver, tc.opts, got, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		driver string
		opts   map[string]string
		err    string
	}{
		{JSONFile, map[string]string{"max-size": "1m", "labels": "a", "env": "B", "tag": "{{.Name}}"}, ""},
		{JSONFile, map[string]string{"bogus": "1"}, "unknown log opt 'bogus' for json-file log driver"},
		{Local, map[string]string{"bogus": "1"}, "unknown log opt 'bogus' for log driver local"},
		{Syslog, map[string]string{"max-size": "1m"}, "unknown log opt 'max-size' for syslog log driver"},
		{Syslog, map[string]string{"syslog-address": "ftp://x"}, "unsupported scheme: 'ftp'"},
		{Syslog, map[string]string{"syslog-address": "localhost"}, "syslog-address should be in form proto://address, got localhost"},
		{Syslog, map[string]string{"syslog-format": "rfc9999"}, "Invalid syslog format"},
		{Syslog, map[string]string{"syslog-facility": "nope"}, "invalid syslog facility"},
		{Journald, map[string]string{"tag": "x", "mode": "non-blocking", "max-buffer-size": "4m"}, ""},
		{Journald, map[string]string{"max-buffer-size": "4m"}, "logger: max-buffer-size option is only supported with 'mode=non-blocking'"},
		{JSONFile, map[string]string{"mode": "fast"}, "logger: logging mode not supported: fast"},
		{None, map[string]string{"anything": "1"}, ""},
		{Syslog, map[string]string{"tag": "{{.Nope}}"}, `template: log-tag:1:2: executing "log-tag" at <.Nope>: can't evaluate field Nope in type logger.tagFields`},
		{"bogus", nil, "logger: no log driver named 'bogus' is registered"},
	} {
		err := Validate(tc.driver, tc.opts)
		if (tc.err == "" && err != nil) || (tc.err != "" && (err == nil || err.Error() != tc.err)) {
			t.Errorf("Validate(%s, %v) = %v, want %q", tc.driver, tc.opts, err, tc.err)
		}
	}
}

// TestResolveTagAndAttrs: the tag's template and the labels and env
// options become the attributes json-file records.
func TestResolveTagAndAttrs(t *testing.T) {
	info := Info{ID: "0123456789abcdef", Name: "/web", ImageName: "busybox", Labels: map[string]string{"app": "x", "tier": "front", "other": "o"}, Env: []string{"LEVEL=3", "HOME=/root"}}
	cfg, err := resolve(JSONFile, map[string]string{"tag": "{{.Name}}/{{.ID}}", "labels": "app", "labels-regex": "^ti", "env": "LEVEL"}, "/l", info)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "x", "tier": "front", "LEVEL": "3", "tag": "web/0123456789ab"}
	if fmt.Sprint(cfg.Attrs) != fmt.Sprint(want) || cfg.Tag != "web/0123456789ab" {
		t.Fatalf("attrs %v tag %q", cfg.Attrs, cfg.Tag)
	}
	if cfg, _ := resolve(Syslog, nil, "", info); cfg.Tag != "0123456789ab" || cfg.Attrs != nil {
		t.Fatalf("syslog default tag %q attrs %v", cfg.Tag, cfg.Attrs)
	}
	got := string(newJSONFormat(want).encode(nil, Message{Line: []byte("a\n"), Stream: Stdout, Time: time.Unix(0, 0)}))
	if !strings.Contains(got, `"stream":"stdout","attrs":{"LEVEL":"3","app":"x","tag":"web/0123456789ab","tier":"front"},"time"`) {
		t.Fatalf("entry %s", got)
	}
	if d := Details(want); d != "LEVEL=3,app=x,tag=web%2F0123456789ab,tier=front" {
		t.Fatalf("details %q", d)
	}
	// json-file's path and rotation for monitors older than Config; none
	// keeps no log.
	ml, err := Resolve(JSONFile, nil, "/p", info)
	if err != nil || ml.Path != "/p" || ml.MaxSize != DefaultMaxSize || ml.MaxFiles != DefaultMaxFiles || ml.Config == nil {
		t.Fatalf("json-file: %+v %v", ml, err)
	}
	if ml, _ := Resolve(Syslog, nil, "", info); ml.Path != "" || ml.Config == nil {
		t.Fatalf("syslog: %+v", ml)
	}
	if ml, _ := Resolve(None, nil, "/p", info); ml.Config != nil || ml.Path != "" {
		t.Fatalf("none: %+v", ml)
	}
}

// A follower that falls several rotations behind (it cannot keep up with
// the writer) still gets every line once, in order, from the files
// rotated meanwhile, plain or gzipped.
func TestFollowerFallingBehind(t *testing.T) {
	for _, compress := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "c.log")
		j, err := newFile(path, newJSONFormat(nil), rotation{maxSize: 330, maxFiles: 6, compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		all := msgs(60, time.Now())
		j.Log(all[0])
		got := make(chan Message, 100)
		release, stop, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- Read(context.Background(), path, ReadConfig{Tail: -1, Follow: true, Stop: stop}, func(m Message) error {
				if len(got) == 1 {
					<-release // the follower stalls after its second line
				}
				got <- m
				return nil
			})
		}()
		// Four entries a file: 16 entries rotate 4 times while it stalls,
		// within the 6 files kept.
		for _, m := range all[1:17] {
			j.Log(m)
		}
		close(release)
		// Then slowly enough that it keeps up (as TestFollowAcrossRotation).
		for i, m := range all[17:] {
			j.Log(m)
			if i%4 == 3 {
				time.Sleep(2 * FollowInterval)
			}
		}
		time.Sleep(3 * FollowInterval)
		close(stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		j.Close()
		close(got)
		var n int
		for m := range got {
			if n >= len(all) || !m.Time.Equal(all[n].Time) {
				t.Fatalf("compress=%v: message %d = %s at %v, want %s", compress, n, m.Line, m.Time, all[min(n, len(all)-1)].Line)
			}
			n++
		}
		if n != len(all) {
			t.Fatalf("compress=%v: followed %d messages, want %d", compress, n, len(all))
		}
	}
}
