package testutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// HostDocker is Debian's dockerd running as it does on a real host: private
// data root, exec root and socket, but its networking on the host (docker0,
// its iptables chains, br_netfilter with bridge-nf-call-iptables=1, the
// iptables FORWARD policy DROP).
type HostDocker struct {
	*dockerd
	policy     string // FORWARD policy before dockerd started
	hadDocker0 bool
}

// StartHostDocker starts dockerd with its networking on the host. dockerd
// sets the FORWARD policy to DROP only when it turns ip_forward on itself;
// where another engine turned it on already, StartHostDocker sets DROP, as
// the host would have it had dockerd started first. Stop undoes all of it
// but br_netfilter, which dockerd leaves loaded too.
func StartHostDocker() (*HostDocker, error) {
	if _, err := exec.LookPath("iptables"); err != nil {
		return nil, fmt.Errorf("iptables is required (apt-get install iptables): %w", err)
	}
	d, err := newDockerd()
	if err != nil {
		return nil, err
	}
	h := &HostDocker{dockerd: d, policy: forwardPolicy()}
	_, err = os.Stat("/sys/class/net/docker0")
	h.hadDocker0 = err == nil
	if err := h.start(); err != nil {
		h.Stop()
		return nil, err
	}
	return h, nil
}

func forwardPolicy() string {
	out, err := exec.Command("iptables", "-S", "FORWARD").Output()
	if err == nil && strings.HasPrefix(string(out), "-P FORWARD DROP") {
		return "DROP"
	}
	return "ACCEPT"
}

// start runs dockerd and sets the FORWARD policy it would have set.
func (h *HostDocker) start() error {
	if err := h.dockerd.start(); err != nil {
		return err
	}
	if forwardPolicy() != "DROP" {
		if out, err := exec.Command("iptables", "-P", "FORWARD", "DROP").CombinedOutput(); err != nil {
			return fmt.Errorf("iptables -P FORWARD DROP: %v: %s", err, out)
		}
	}
	return nil
}

// Restart stops dockerd and starts it again on the same roots, as an
// upgrade or a crash would.
func (h *HostDocker) Restart() error {
	h.stop()
	return h.start()
}

// Stop ends dockerd and removes what it added to the host: its iptables
// chains and the rules that use them or docker0, docker0 itself (unless it
// was there before) and the FORWARD policy it set.
func (h *HostDocker) Stop() {
	h.stop()
	var errs []error
	for _, table := range []string{"filter", "nat"} {
		errs = append(errs, removeDockerRules(table))
	}
	if !h.hadDocker0 {
		_ = exec.Command("ip", "link", "del", "docker0").Run()
	}
	if out, err := exec.Command("iptables", "-P", "FORWARD", h.policy).CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("restore FORWARD policy: %v: %s", err, out))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "host dockerd cleanup:", err)
	}
	h.remove(func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
}

// removeDockerRules deletes, in one iptables table, the rules of built-in
// chains that jump to DOCKER… chains or name docker0, then those chains.
func removeDockerRules(table string) error {
	out, err := exec.Command("iptables", "-t", table, "-S").Output()
	if err != nil {
		return fmt.Errorf("iptables -t %s -S: %w", table, err)
	}
	var chains []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "-N" && strings.HasPrefix(f[1], "DOCKER"):
			chains = append(chains, f[1])
		case len(f) > 2 && f[0] == "-A" && !strings.HasPrefix(f[1], "DOCKER") && (strings.Contains(line, "DOCKER") || strings.Contains(line, "docker0")):
			args := append([]string{"-t", table, "-D"}, unquote(f[1:])...)
			if o, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
				return fmt.Errorf("iptables %v: %v: %s", args, err, o)
			}
		}
	}
	for _, op := range []string{"-F", "-X"} {
		for _, c := range chains {
			if o, err := exec.Command("iptables", "-t", table, op, c).CombinedOutput(); err != nil {
				return fmt.Errorf("iptables -t %s %s %s: %v: %s", table, op, c, err, o)
			}
		}
	}
	return nil
}

// unquote drops the quotes iptables -S puts around comments (Docker's rules
// carry none with spaces).
func unquote(f []string) []string {
	out := make([]string, len(f))
	for i, s := range f {
		out[i] = strings.Trim(s, `"`)
	}
	return out
}
