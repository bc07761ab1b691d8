package caps

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Apply makes the calling thread's capabilities exactly those of c: it drops
// from the bounding set every capability not listed in c.Bounding
// (PR_CAPBSET_DROP), sets the effective, permitted and inheritable sets
// (capset) and finally the ambient set (PR_CAP_AMBIENT). A nil c drops
// everything.
//
// Capabilities are per thread: call it from the goroutine that will exec,
// with the OS thread locked (runtime.LockOSThread), right before execve.
//
// Order around a change of user, which the caller must follow:
//
//  1. prctl(PR_SET_KEEPCAPS, 1) while still uid 0, so that setuid keeps
//     the permitted set (capabilities(7), "Effect of user ID changes");
//  2. setgroups, setgid, setuid to the container user — this clears the
//     effective set but keeps the permitted one;
//  3. Apply(c) — it first raises the effective set to the current permitted
//     set so that it holds CAP_SETPCAP for PR_CAPBSET_DROP, then narrows;
//  4. prctl(PR_SET_KEEPCAPS, 0) (execve resets it anyway) and execve.
//
// Ambient capabilities survive execve of a non-setuid binary by a non-root
// user only if also present in permitted and inheritable; Apply fails,
// naming the capability, when the kernel refuses to raise one.
func Apply(c *specs.LinuxCapabilities) error {
	if c == nil {
		c = &specs.LinuxCapabilities{}
	}
	if err := Validate(c); err != nil {
		return err
	}
	want, err := masks(c)
	if err != nil {
		return err
	}

	// Raise effective to permitted: PR_CAPBSET_DROP needs CAP_SETPCAP.
	cur, err := get()
	if err != nil {
		return err
	}
	cur.effective = cur.permitted
	if err := set(cur); err != nil {
		return fmt.Errorf("raise effective capabilities to permitted: %w", err)
	}

	last := LastCap()
	for n := 0; n <= last; n++ {
		if want.bounding&(1<<uint(n)) != 0 {
			continue
		}
		// Dropping needs CAP_SETPCAP; skip what is already gone so that
		// an already narrow bounding set needs no privilege.
		if in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); err == nil && in == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			// EINVAL: the kernel does not know this capability.
			if err == unix.EINVAL {
				continue
			}
			return fmt.Errorf("drop capability %s from bounding set: %w", nameOf(n), err)
		}
	}

	if err := set(state{effective: want.effective, permitted: want.permitted, inheritable: want.inheritable}); err != nil {
		return fmt.Errorf("set effective, permitted and inheritable capabilities: %w", err)
	}

	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	for _, name := range c.Ambient {
		n, _ := Parse(name)
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0); err != nil {
			return fmt.Errorf("raise ambient capability %s (it must be permitted and inheritable): %w", name, err)
		}
	}
	return nil
}

// LastCap returns the highest capability number the running kernel knows
// (/proc/sys/kernel/cap_last_cap), or the highest Names knows if that file
// cannot be read.
func LastCap() int {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n >= 0 && n < 64 {
			return n
		}
	}
	return len(capByName) - 1
}

// targetMasks are the wanted sets as bit masks (ambient is raised by name).
type targetMasks struct {
	bounding, effective, permitted, inheritable uint64
}

func masks(c *specs.LinuxCapabilities) (targetMasks, error) {
	var s targetMasks
	var err error
	if s.bounding, err = mask(c.Bounding); err != nil {
		return s, err
	}
	if s.effective, err = mask(c.Effective); err != nil {
		return s, err
	}
	if s.permitted, err = mask(c.Permitted); err != nil {
		return s, err
	}
	if s.inheritable, err = mask(c.Inheritable); err != nil {
		return s, err
	}
	return s, nil
}

// state is one thread's effective, permitted and inheritable sets.
type state struct {
	effective, permitted, inheritable uint64
}

// get reads the calling thread's sets with capget (64-bit, version 3).
func get() (state, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return state{}, fmt.Errorf("read capabilities: %w", err)
	}
	return state{
		effective:   uint64(data[0].Effective) | uint64(data[1].Effective)<<32,
		permitted:   uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32,
		inheritable: uint64(data[0].Inheritable) | uint64(data[1].Inheritable)<<32,
	}, nil
}

// set writes the calling thread's sets with capset (64-bit, version 3).
func set(s state) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: uint32(s.effective), Permitted: uint32(s.permitted), Inheritable: uint32(s.inheritable)},
		{Effective: uint32(s.effective >> 32), Permitted: uint32(s.permitted >> 32), Inheritable: uint32(s.inheritable >> 32)},
	}
	return unix.Capset(&hdr, &data[0])
}

func nameOf(n int) string {
	for name, v := range capByName {
		if v == n {
			return name
		}
	}
	return "capability " + strconv.Itoa(n)
}
