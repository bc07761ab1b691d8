package runtime

import "testing"

func TestSysctlPath(t *testing.T) {
	for key, want := range map[string]string{
		"net.ipv4.ip_forward": "net/ipv4/ip_forward", "net/ipv4/ip_forward": "net/ipv4/ip_forward",
		"kernel.shmmax": "kernel/shmmax",
		"net/../../x":   "", "../kernel/x": "", "/net/ipv4": "", "net.": "", "": "", "net//x": "", "net..x": "",
	} {
		got, err := sysctlPath(key)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("sysctlPath(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
}
