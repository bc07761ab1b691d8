package daemon

import (
	"cmp"
	"maps"
	"slices"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/logger"
)

// Defaults are daemon.json's settings of the daemon itself and of the
// containers it creates, by dockerd's keys.
type Defaults struct {
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
	// Init runs an init as PID 1 of containers that do not choose ("init").
	Init bool
	// DefaultShmSize is the size of /dev/shm of containers that do not
	// choose ("default-shm-size"; 0 = 64 MiB).
	DefaultShmSize int64
	// DefaultUlimits apply to containers that do not set the same limit
	// ("default-ulimits").
	DefaultUlimits []*containertypes.Ulimit
	// LogDriver and LogOpts are the log configuration of containers that
	// do not choose ("log-driver", "log-opts").
	LogDriver string
	LogOpts   map[string]string
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

// applyDefaults gives a container being created the daemon's defaults
// where its HostConfig chooses nothing, as dockerd does: the log driver
// (with the daemon's options only when the container names no options
// and the same driver), init, /dev/shm size and ulimits.
func (d *Daemon) applyDefaults(hc *containertypes.HostConfig) {
	if hc.LogConfig.Type == "" {
		hc.LogConfig.Type = d.defaultLogDriver()
	}
	if hc.LogConfig.Type == d.defaultLogDriver() && len(hc.LogConfig.Config) == 0 && len(d.cfg.LogOpts) > 0 {
		hc.LogConfig.Config = maps.Clone(d.cfg.LogOpts)
	}
	if hc.Init == nil && d.cfg.Init {
		on := true
		hc.Init = &on
	}
	if hc.ShmSize == 0 {
		hc.ShmSize = d.cfg.DefaultShmSize
	}
	for _, u := range d.cfg.DefaultUlimits {
		if !slices.ContainsFunc(hc.Ulimits, func(v *containertypes.Ulimit) bool { return v.Name == u.Name }) {
			v := *u
			hc.Ulimits = append(hc.Ulimits, &v)
		}
	}
}
