package netglue

import (
	"strings"
	"testing"
)

// countEstablished counts the established connections to the given local
// ports, not those from the loopback (the container's own health checks),
// nor listening or closing sockets, in both tables' formats.
func TestCountEstablished(t *testing.T) {
	tcp := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 020011AC:0050 010011AC:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 020011AC:0050 010011AC:D432 06 00000000:00000000 03:000013AF 00000000     0        0 0 3 0
   3: 0100007F:0050 0100007F:9C7B 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
   4: 020011AC:1F90 010011AC:D433 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1
`
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF0000020011AC:0050 0000000000000000FFFF0000010011AC:D440 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0 20 4 30 10 -1
   1: 00000000000000000000000001000000:0050 00000000000000000000000001000000:D441 01 00000000:00000000 00:00000000 00000000     0        0 6 1 0 20 4 30 10 -1
   2: 0000000000000000FFFF0000020011AC:0050 0000000000000000FFFF00000100007F:D442 01 00000000:00000000 00:00000000 00000000     0        0 7 1 0 20 4 30 10 -1
`
	for _, tc := range []struct {
		name, table string
		ports       []uint16
		want        int
	}{
		{"tcp port 80", tcp, []uint16{80}, 1},
		{"tcp ports 80 and 8080", tcp, []uint16{80, 8080}, 2},
		{"tcp port 81", tcp, []uint16{81}, 0},
		{"tcp6 port 80", tcp6, []uint16{80}, 1},
	} {
		got, err := countEstablished(strings.NewReader(tc.table), tc.ports)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
}
