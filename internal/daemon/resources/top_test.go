package resources

import "testing"

func TestParsePS(t *testing.T) {
	out := []byte("UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:00 /sbin/init splash\nroot 42 1 0 10:00 ? 00:00:00 sleep 100\n")
	r, err := parsePS(out, map[int]bool{42: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Processes) != 1 || r.Processes[0][1] != "42" || r.Processes[0][7] != "sleep 100" || len(r.Titles) != 8 {
		t.Fatalf("%+v", r)
	}
	// A short row (an empty column) does not crash.
	if r, err := parsePS([]byte("A PID B CMD\n1 42\n"), map[int]bool{42: true}); err != nil || len(r.Processes) != 1 {
		t.Fatalf("short row: %+v %v", r, err)
	}
}
