// udpecho answers every UDP datagram on the port given as its argument
// with "echo:" and the datagram. Static test helper for published UDP
// ports (busybox-static has no UDP server).
package main

import (
	"net"
	"os"
)

func main() {
	c, err := net.ListenPacket("udp4", ":"+os.Args[1])
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 1500)
	for {
		n, addr, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		_, _ = c.WriteTo(append([]byte("echo:"), buf[:n]...), addr)
	}
}
