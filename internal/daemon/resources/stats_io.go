package resources

import (
	"strconv"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
)

// parseNetDev reads the per-interface counters of a /proc/<pid>/net/dev
// table (the container's network namespace), leaving out the loopback, as
// dockerd reports only the container's endpoints.
func parseNetDev(data string) map[string]containertypes.NetworkStats {
	out := map[string]containertypes.NetworkStats{}
	for _, line := range strings.Split(data, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		f := strings.Fields(rest)
		if name == "lo" || len(f) < 16 {
			continue
		}
		n := make([]uint64, 16)
		for i := range n {
			n[i], _ = strconv.ParseUint(f[i], 10, 64)
		}
		out[name] = containertypes.NetworkStats{
			RxBytes: n[0], RxPackets: n[1], RxErrors: n[2], RxDropped: n[3],
			TxBytes: n[8], TxPackets: n[9], TxErrors: n[10], TxDropped: n[11],
		}
	}
	return out
}

// parseDevice splits a device number written "MAJ:MIN".
func parseDevice(s string) (maj, min uint64, ok bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	maj, err1 := strconv.ParseUint(a, 10, 64)
	min, err2 := strconv.ParseUint(b, 10, 64)
	return maj, min, err1 == nil && err2 == nil
}

// parseBlkioV1 reads a cgroup v1 blkio.throttle.io_service*_recursive file:
// "MAJ:MIN Op value" lines (the "Total" line is skipped).
func parseBlkioV1(data string) []containertypes.BlkioStatEntry {
	var out []containertypes.BlkioStatEntry
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		a, b, ok := parseDevice(f[0])
		v, err := strconv.ParseUint(f[2], 10, 64)
		if !ok || err != nil {
			continue
		}
		out = append(out, containertypes.BlkioStatEntry{Major: a, Minor: b, Op: f[1], Value: v})
	}
	return out
}

// ioStatKeys are the io.stat keys stats reports: the op each is, and
// whether it counts operations (else bytes).
var ioStatKeys = map[string]struct {
	op  string
	ios bool
}{"rbytes": {"read", false}, "wbytes": {"write", false}, "rios": {"read", true}, "wios": {"write", true}}

// parseIOStatV2 reads a cgroup v2 io.stat file ("MAJ:MIN rbytes=… wbytes=…
// rios=… wios=…") into dockerd's shape: bytes and operations per device,
// with ops "read" and "write".
func parseIOStatV2(data string) (bytes, ios []containertypes.BlkioStatEntry) {
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		a, b, ok := parseDevice(f[0])
		if !ok {
			continue
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseUint(v, 10, 64)
			key, ok := ioStatKeys[k]
			if err != nil || !ok {
				continue
			}
			e := containertypes.BlkioStatEntry{Major: a, Minor: b, Op: key.op, Value: n}
			if key.ios {
				ios = append(ios, e)
			} else {
				bytes = append(bytes, e)
			}
		}
	}
	return bytes, ios
}
