package httputil

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestPeerOverUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := net.Dial("unix", sock)
		if err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, ok := Peer(WithConn(context.Background(), c))
	if !ok || p.PID != os.Getpid() || p.UID != os.Getuid() {
		t.Fatalf("peer %+v %v, want pid %d uid %d", p, ok, os.Getpid(), os.Getuid())
	}
	err = p.SharesHost()
	if (err == nil) != (os.Getuid() == 0) {
		t.Errorf("SharesHost as uid %d: %v", os.Getuid(), err)
	}
	if err := (LocalPeer{PID: p.PID, UID: 1000}).SharesHost(); err == nil {
		t.Error("a non-root peer may name host paths")
	}
	if _, ok := Peer(context.Background()); ok {
		t.Error("a request without a unix connection has a peer")
	}
}
