package stream

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/berth/berth/internal/netns"
)

// dialTimeout bounds a dial to a pod's port.
const dialTimeout = 10 * time.Second

// dialIn dials TCP addr from inside the network namespace at path (from
// the daemon's own when path is ""): the socket is made on a thread in
// that namespace and stays in it when the thread returns to the daemon's.
func dialIn(path, addr string) (net.Conn, error) {
	if path == "" {
		return net.DialTimeout("tcp", addr, dialTimeout)
	}
	ns, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	defer ns.Close()
	return netns.Do(ns, func() (net.Conn, error) { return net.DialTimeout("tcp", addr, dialTimeout) })
}
