package container

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// Container is the record of one container. Its exported fields are what is
// persisted; mu and the wait channels live only in memory.
type Container struct {
	ID      string
	Name    string // with Docker's leading "/"
	Created time.Time
	Path    string   // resolved executable (entrypoint[0] or cmd[0])
	Args    []string // the rest of the command line
	Config  *container.Config
	// HostConfig as requested at create.
	HostConfig *container.HostConfig
	// NetworkingConfig as requested at create.
	NetworkingConfig *network.NetworkingConfig `json:",omitempty"`
	Image            string                    // image ID (sha256:…)
	ImageName        string                    // the reference given by the user
	Driver           string                    // storage driver
	SnapshotKey      string                    // the container's writable snapshot
	Runtime          string                    // runtime name from the registry
	LogPath          string
	StopSignal       string // from the config or the image
	RestartCount     int
	State            State
	// Incomplete marks a record written before its snapshot and files: a
	// daemon that finds it at startup removes what was made (crash in create).
	Incomplete bool `json:",omitempty"`
	// ManualStop is set by stop and kill so the restart policy does not
	// bring the container back.
	ManualStop bool `json:",omitempty"`
	// UpdatePending marks limits an update recorded before writing them to
	// the running container's cgroup: a daemon that died in between finds
	// it at startup and writes them (restore).
	UpdatePending bool `json:",omitempty"`
	// MountPoints are the container's volumes, resolved at create.
	MountPoints []MountPoint `json:",omitempty"`
	// HealthOnFailure is berth's HostConfig extension BerthHealthOnFailure:
	// what happens when the container turns unhealthy ("" = none, kill,
	// restart, stop).
	HealthOnFailure string `json:",omitempty"`
	// HealthRestart is set when the container is stopped because it turned
	// unhealthy with HealthOnFailure "restart": it restarts whatever its
	// restart policy.
	HealthRestart bool `json:",omitempty"`
	// PortHandover is berth's HostConfig extension BerthPortHandover: the
	// container (name or ID) whose published host ports this one shares
	// when it starts, if that one holds them then, and takes over once
	// ready (healthy, or started without a health check), for a redeploy
	// without refused connections.
	PortHandover string `json:",omitempty"`
	// Namespace is "" for the Docker API's containers, "k8s.io" for the
	// CRI's: a list shows one namespace at a time.
	Namespace string `json:",omitempty"`
	// LogFormat is the format of the log at LogPath: "" (json-file) or
	// "cri".
	LogFormat string `json:",omitempty"`

	// restartDelay is the last back-off before a restart by policy.
	restartDelay time.Duration

	mu       sync.Mutex
	saved    atomic.Pointer[[]byte] // the record as last saved (Registry.Save)
	busy     atomic.Bool            // a long change holds mu: Read may use saved
	stopped  chan struct{}          // closed when the process stops; replaced on start
	nextExit chan struct{}          // closed at the next stop or failed start
	removed  chan struct{}          // closed when the container is removed
}

// New returns a fresh created container.
func New(id, name string) *Container {
	c := &Container{ID: id, Name: name, Created: time.Now().UTC()}
	c.State.Status = StatusCreated
	c.init()
	return c
}

func (c *Container) init() {
	c.stopped = make(chan struct{})
	close(c.stopped)
	c.removed = make(chan struct{})
}

// Docker's restart back-off: the first delay, the factor after a short run
// and the longest delay; a run of restartResetAfter or more starts again
// from the first delay.
const (
	restartFirstDelay = 100 * time.Millisecond
	restartMaxDelay   = time.Minute
	restartResetAfter = 10 * time.Second
)

// NextRestartDelay returns how long to wait before restarting the
// container after a run of the given length: 100ms, doubled after each run
// shorter than 10s, at most a minute. The caller holds the lock.
func (c *Container) NextRestartDelay(ran time.Duration) time.Duration {
	switch {
	case ran >= restartResetAfter || c.restartDelay == 0:
		c.restartDelay = restartFirstDelay
	default:
		c.restartDelay = min(2*c.restartDelay, restartMaxDelay)
	}
	return c.restartDelay
}

// Lock locks the container for a state change.
func (c *Container) Lock() { c.mu.Lock() }

// Unlock unlocks the container.
func (c *Container) Unlock() { c.mu.Unlock() }

// Busy marks (true) and unmarks (false) a long change in progress: a start
// (it lasts as long as the network and the runtime take), or the save that
// completes a create (it waits for the other writers of the store and for
// the disk). The caller holds the lock for the whole change; readers
// meanwhile see none of it, nor what the caller changed since its last
// save (a create's volumes: the copy read meanwhile is the record still
// marked incomplete, which ps does not list).
func (c *Container) Busy(on bool) { c.busy.Store(on) }

// Read calls f with c locked or, while a long change holds the lock
// (Busy), with a copy of c as last saved: readers (ps, inspect) never wait
// for one, and still see every change that other callers made (those save
// before they unlock, and the change's caller gets its answer only once it
// unlocked). f must not change what it gets.
func (c *Container) Read(f func(*Container)) {
	if c.mu.TryLock() {
		defer c.mu.Unlock()
		f(c)
		return
	}
	if data := c.saved.Load(); data != nil && c.busy.Load() {
		cp := &Container{}
		if json.Unmarshal(*data, cp) == nil {
			cp.init()
			f(cp)
			return
		}
	}
	c.Lock()
	defer c.Unlock()
	f(c)
}

// ShortID returns the first 12 characters of the ID.
func (c *Container) ShortID() string { return ShortID(c.ID) }

// ShortID truncates an ID to Docker's 12 characters.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ShouldRestart applies the restart policy (and --health-on-failure=restart)
// to a stopped container. The caller holds the lock.
func (c *Container) ShouldRestart() bool {
	if c.ManualStop {
		return false
	}
	if c.HealthRestart {
		return true // --health-on-failure=restart
	}
	p := c.HostConfig.RestartPolicy
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return c.State.ExitCode != 0 && (p.MaximumRetryCount == 0 || c.RestartCount < p.MaximumRetryCount)
	}
	return false
}

// RestartsWithDaemon tells whether a daemon that starts finding c stopped
// starts it again, as dockerd does: "always" even after a stop by the
// user, the other policies as after an exit; never a container that was
// never started. The caller holds the lock.
func (c *Container) RestartsWithDaemon() bool {
	if c.State.Status == StatusCreated || c.State.StartedAt.IsZero() {
		return false
	}
	return c.HostConfig.RestartPolicy.Name == "always" || c.ShouldRestart()
}
