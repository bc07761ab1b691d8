package daemon

import (
	"cmp"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/oci"
)

// Defaults are daemon.json's settings of the daemon itself and of the
// containers it creates, by dockerd's keys.
type Defaults struct {
	// ContainerDefaults are those of the containers.
	oci.ContainerDefaults
	// LiveRestore keeps containers running while the daemon is down
	// ("live-restore", berth's default true); off, the daemon stops them
	// when it shuts down.
	LiveRestore bool
	// ShutdownTimeout is dockerd's "shutdown-timeout" in seconds: how long
	// a shutdown waits for containers to stop (at least each one's stop
	// timeout plus 5s; -1 = forever).
	ShutdownTimeout int
	// Labels are the daemon's labels ("labels"), shown by info.
	Labels []string
	// EventsRingSize is how many past events are kept for `events
	// --since` (berth's "events-ring-size"; 0 = eventlog.DefaultRingSize).
	EventsRingSize int
	// Features are dockerd's "features" switches. berth has none of them
	// to turn on or off: a feature set true is warned of at start.
	Features map[string]bool
}

// DefaultShutdownTimeout is dockerd's default "shutdown-timeout".
const DefaultShutdownTimeout = 15

func (d *Daemon) defaultLogDriver() string { return cmp.Or(d.cfg.LogDriver, logger.JSONFile) }
