package cmd

import (
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestListenUnixNeverFollows: another process swaps the socket for a
// symlink to a victim the moment the socket shows; over many listens, the
// victim's owner and mode never change, and a listen without the racer
// leaves a 0660 socket and no private dir behind.
func TestListenUnixNeverFollows(t *testing.T) {
	dir := testutil.RootTempDir(t)
	sock := filepath.Join(dir, "d.sock")
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o604); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(victim, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if fi, err := os.Lstat(sock); err == nil && fi.Mode()&fs.ModeSocket != 0 {
				_ = os.Remove(sock)
				_ = os.Symlink(victim, sock)
			}
		}
	}()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := 0; i < 200; i++ {
		if l, err := listenUnix(sock, "0", true, log); err == nil {
			l.Close()
		}
	}
	close(stop)
	<-done
	fi, err := os.Stat(victim)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || fi.Mode().Perm() != 0o604 {
		t.Fatalf("victim changed through a symlink: uid %d mode %o", st.Uid, fi.Mode().Perm())
	}
	l, err := listenUnix(sock, "0", true, log)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket: %v %v", fi, err)
	}
	if l.Addr().String() != sock {
		t.Fatalf("listener address %s, want %s", l.Addr(), sock)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".s*")); len(left) != 0 {
		t.Fatalf("private dirs left: %v", left)
	}
}
