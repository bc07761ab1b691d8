package testutil

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// UnmountAll lazily unmounts every mount at or below dir, deepest first, so a
// test never leaves mounts behind.
func UnmountAll(t testing.TB, dir string) {
	t.Helper()
	unmountAll(dir, t.Logf)
}

func unmountAll(dir string, logf func(format string, args ...any)) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		logf("read mountinfo: %v", err)
		return
	}
	defer f.Close()
	var targets []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescape(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			targets = append(targets, mp)
		}
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	for _, mp := range targets {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil {
			logf("unmount %s: %v", mp, err)
		}
	}
}

// unescape decodes the octal escapes (\040 for space…) of mountinfo fields.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			v := (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
