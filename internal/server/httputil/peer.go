package httputil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

type connKey struct{}

// WithConn records the connection a request came in on (http.Server's
// ConnContext).
func WithConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// LocalPeer describes the process at the other end of a unix socket.
type LocalPeer struct {
	PID, UID int
}

// Peer returns the process that made the request when it came over a unix
// socket (SO_PEERCRED: the process that connected).
func Peer(ctx context.Context) (LocalPeer, bool) {
	uc, ok := ctx.Value(connKey{}).(*net.UnixConn)
	if !ok {
		return LocalPeer{}, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return LocalPeer{}, false
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || cerr != nil || cred.Pid <= 0 {
		return LocalPeer{}, false
	}
	return LocalPeer{PID: int(cred.Pid), UID: int(cred.Uid)}, true
}

// SharesHost tells whether the peer sees the daemon's files at the same
// paths with root's rights: it runs as root in the daemon's mount
// namespace.
func (p LocalPeer) SharesHost() error {
	if p.UID != 0 {
		return fmt.Errorf("the client runs as uid %d, not root", p.UID)
	}
	var own, theirs unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &own); err != nil {
		return err
	}
	if err := unix.Stat("/proc/"+strconv.Itoa(p.PID)+"/ns/mnt", &theirs); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("the client is not in the daemon's pid namespace")
		}
		return err
	}
	if own.Dev != theirs.Dev || own.Ino != theirs.Ino {
		return errors.New("the client is in another mount namespace")
	}
	return nil
}
