package resources

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// Top runs ps on the host (ps_args, default -ef) and keeps the rows
// of the container's processes: those in the pid namespace of its init.
func (s *Service) Top(ctx context.Context, name, psArgs string) (*containertypes.TopResponse, error) {
	c, err := s.containers.Get(name)
	if err != nil {
		return nil, err
	}
	c.Lock()
	pid := c.State.Pid
	running := c.State.Running()
	c.Unlock()
	if !running || pid <= 0 {
		return nil, container.ErrNotRunning(c.ID)
	}
	pids := containerPids(pid)
	if psArgs == "" {
		psArgs = "-ef"
	}
	out, err := exec.CommandContext(ctx, "ps", strings.Fields(psArgs)...).Output()
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("error running ps: %w", err))
	}
	res, err := parsePS(out, pids)
	if err == nil {
		s.emit(c, "top")
	}
	return res, err
}

// containerPids lists the host pids in the pid namespace of init.
func containerPids(init int) map[int]bool {
	pids := map[int]bool{init: true}
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", init))
	if err != nil {
		return pids
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err == nil && l == ns {
			pids[p] = true
		}
	}
	return pids
}

// parsePS keeps the lines of ps output whose PID column is in pids.
func parsePS(out []byte, pids map[int]bool) (*containertypes.TopResponse, error) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 0 {
		return nil, fmt.Errorf("no output from ps")
	}
	titles := strings.Fields(lines[0])
	col := -1
	for i, t := range titles {
		if t == "PID" {
			col = i
		}
	}
	if col < 0 {
		return nil, errdefs.InvalidParameter(fmt.Errorf("couldn't find PID field in ps output"))
	}
	resp := &containertypes.TopResponse{Titles: titles, Processes: [][]string{}}
	for _, line := range lines[1:] {
		if len(bytes.TrimSpace([]byte(line))) == 0 {
			continue
		}
		f := strings.Fields(line)
		if len(f) <= col {
			continue
		}
		p, err := strconv.Atoi(f[col])
		if err != nil || !pids[p] {
			continue
		}
		// The last column (command) may contain spaces: rejoin the rest.
		row := f
		if len(f) >= len(titles) {
			row = append(f[:len(titles)-1:len(titles)-1], strings.Join(f[len(titles)-1:], " "))
		}
		resp.Processes = append(resp.Processes, row)
	}
	return resp, nil
}
