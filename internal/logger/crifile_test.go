package logger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A CRI log holds one line per message: time, stream, P for a partial
// line or F for a full one, and the line without its newline.
func TestCRIFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	f, err := New(Config{Driver: CRI, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 5, 1, 2, 3000, time.FixedZone("x", 3600))
	for _, m := range []Message{
		{Line: []byte("hello\n"), Stream: Stdout, Time: at},
		{Line: []byte("half"), Stream: Stderr, Time: at},
		{Line: []byte(" done\n"), Stream: Stderr, Time: at},
	} {
		if err := f.Append(m); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	got, _ := os.ReadFile(path)
	want := "2026-12-07T04:01:02.000003Z stdout F hello\n" +
		"2026-12-07T04:01:02.000003Z stderr P half\n" +
		"2026-12-07T04:01:02.000003Z stderr F  done\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// And read back as written.
	var lines []string
	err = Read(context.Background(), path, ReadConfig{Driver: CRI, Tail: -1}, func(m Message) error {
		if !m.Time.Equal(at) {
			t.Errorf("time %v, want %v", m.Time, at)
		}
		lines = append(lines, m.Stream+":"+string(m.Line))
		return nil
	})
	if err != nil || strings.Join(lines, "|") != "stdout:hello\n|stderr:half|stderr: done\n" {
		t.Fatalf("read back %q, %v", lines, err)
	}
}

// The kubelet rotates a CRI log by renaming it and asking the runtime to
// reopen it: what was buffered goes to the renamed file, what follows to
// a new file at the path.
func TestFileReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	d, err := New(Config{Driver: CRI, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Date(2026, 12, 7, 5, 1, 2, 0, time.UTC)
	if err := d.Append(Message{Line: []byte("before\n"), Stream: Stdout, Time: at}); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := d.(Reopener).Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := d.Append(Message{Line: []byte("after\n"), Stream: Stdout, Time: at}); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{path + ".1": "before", path: "after"} {
		got, err := os.ReadFile(p)
		if err != nil || string(got) != "2026-12-07T05:01:02Z stdout F "+want+"\n" {
			t.Errorf("%s: %q, %v; want the line %q", p, got, err, want)
		}
	}
}
