// Package state owns the runtime's record of one container: its
// directory <root>/<id> under the runtime's state root, the rules for
// container ids, and the status derived from it. Layout:
//
//	state.json  the persisted State (written atomically)
//	exec.fifo   present while the container is "created"; start opens it
//	            to release the init process blocked on it
//
// The status is derived, never stored: stopped when the init (pid and
// start time, against pid reuse) is gone, created while exec.fifo exists,
// paused when the cgroup is frozen, else running.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/runtime/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status values of a container, as in the OCI runtime specification.
const (
	Creating = "creating"
	Created  = "created"
	Running  = "running"
	Stopped  = "stopped"
	Paused   = "paused"
)

const stateFile = "state.json"

// FifoName is the exec fifo in a container's directory.
const FifoName = "exec.fifo"

// State is what berth remembers about a container between invocations.
type State struct {
	ID          string            `json:"id"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Pid         int               `json:"pid"`
	StartTime   uint64            `json:"startTime"` // field 22 of /proc/PID/stat, against pid reuse
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Cgroups     map[string]string `json:"cgroups,omitempty"`
	Config      *specs.Spec       `json:"config"`

	dir string
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+.-]*$`)

// ValidateID checks a container id: letters, digits and _+.- only.
func ValidateID(id string) error {
	if id == "" {
		return errdefs.InvalidParameter(errors.New("container id cannot be empty"))
	}
	if len(id) > 1024 || !idRe.MatchString(id) {
		return errdefs.InvalidParameter(fmt.Errorf("invalid container id %q", id))
	}
	return nil
}

// Dir is the directory of container id under root.
func Dir(root, id string) string { return filepath.Join(root, id) }

// Load reads the saved state of container id under root.
func Load(root, id string) (*State, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(Dir(root, id), stateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFound(fmt.Errorf("container %q does not exist", id))
		}
		return nil, fmt.Errorf("read state of %s: %w", id, err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse state of %s: %w", id, err)
	}
	s.dir = Dir(root, id)
	return &s, nil
}

// Save writes s to its directory under root (temp file and rename).
func (s *State) Save(root string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", s.ID, err)
	}
	dir := Dir(root, s.ID)
	s.dir = dir
	tmp, err := os.CreateTemp(dir, ".state-*")
	if err != nil {
		return fmt.Errorf("write state of %s: %w", s.ID, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write state of %s: %w", s.ID, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state of %s: %w", s.ID, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, stateFile)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state of %s: %w", s.ID, err)
	}
	return nil
}

// StartTime returns the start time of pid (field 22 of /proc/PID/stat)
// and whether it is a zombie or dead.
func StartTime(pid int) (uint64, bool, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, true, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, true, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return 0, true, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	st, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	dead := f[0] == "Z" || f[0] == "X"
	return st, dead, nil
}

// Alive reports whether the container's init process still runs.
func (s *State) Alive() bool {
	if s.Pid <= 0 {
		return false
	}
	st, dead, err := StartTime(s.Pid)
	if err != nil || dead || st != s.StartTime {
		return false
	}
	return true
}

// Status derives the current status of the container.
func (s *State) Status() string {
	if !s.Alive() {
		return Stopped
	}
	if _, err := os.Lstat(filepath.Join(s.dir, FifoName)); err == nil {
		return Created
	}
	if s.frozen() {
		return Paused
	}
	return Running
}

// Dir is the container's directory.
func (s *State) Dir() string { return s.dir }

// OCI returns the state in the format of the OCI runtime specification.
func (s *State) OCI() specs.State {
	st := specs.State{
		Version:     specs.Version,
		ID:          s.ID,
		Status:      specs.ContainerState(s.Status()),
		Bundle:      s.Bundle,
		Annotations: s.Annotations,
	}
	if st.Status != specs.StateStopped {
		st.Pid = s.Pid
	}
	return st
}

func (s *State) frozen() bool {
	if len(s.Cgroups) == 0 {
		return false
	}
	m, err := cgroups.Load(s.Cgroups)
	if err != nil {
		return false
	}
	st, err := m.State()
	return err == nil && st == cgroups.Frozen
}

// Signal sends sig to the init process.
func (s *State) Signal(sig unix.Signal) error {
	if !s.Alive() {
		return errdefs.Conflict(fmt.Errorf("signal container %s: container not running", s.ID))
	}
	if err := unix.Kill(s.Pid, sig); err != nil {
		return fmt.Errorf("signal container %s: %w", s.ID, err)
	}
	return nil
}
