package daemon

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/errdefs"
)

// config returns the daemon's settings as they are now (Reload changes
// some).
func (d *Daemon) config() Config {
	d.cfgMu.RLock()
	defer d.cfgMu.RUnlock()
	return d.cfg
}

// Reload applies the settings of n that dockerd reloads live (debug,
// labels, live-restore, shutdown-timeout, default-runtime, runtimes, and
// the registry's max-concurrent-downloads and -uploads,
// insecure-registries, registry-mirrors) and returns those that changed,
// as "key=value"; a default runtime missing from the runtimes refuses the
// whole. It emits the daemon's "reload" event, as dockerd does, with the
// settings as attributes.
func (d *Daemon) Reload(n Config) ([]string, error) {
	if n.DefaultRuntime == "" {
		n.DefaultRuntime = BuiltinRuntime
	}
	if _, ok := n.Runtimes[n.DefaultRuntime]; !ok && n.DefaultRuntime != BuiltinRuntime {
		return nil, errdefs.InvalidParameter(fmt.Errorf("default runtime %q is not in the runtimes registry", n.DefaultRuntime))
	}
	d.cfgMu.Lock()
	old := d.cfg
	var changed []string
	note := func(key string, same bool, v any) {
		if !same {
			changed = append(changed, fmt.Sprintf("%s=%v", key, v))
		}
	}
	note("debug", old.Debug == n.Debug, n.Debug)
	note("labels", slices.Equal(old.Labels, n.Labels), n.Labels)
	note("live-restore", old.LiveRestore == n.LiveRestore, n.LiveRestore)
	note("shutdown-timeout", old.ShutdownTimeout == n.ShutdownTimeout, n.ShutdownTimeout)
	note("default-runtime", old.DefaultRuntime == n.DefaultRuntime, n.DefaultRuntime)
	note("runtimes", maps.EqualFunc(old.Runtimes, n.Runtimes, func(a, b Runtime) bool {
		return a.Path == b.Path && slices.Equal(a.Args, b.Args)
	}), strings.Join(slices.Sorted(maps.Keys(n.Runtimes)), ","))
	or, nr := old.Registry, n.Registry
	note("max-concurrent-downloads", or.MaxConcurrentDownloads == nr.MaxConcurrentDownloads, nr.MaxConcurrentDownloads)
	note("max-concurrent-uploads", or.MaxConcurrentUploads == nr.MaxConcurrentUploads, nr.MaxConcurrentUploads)
	note("insecure-registries", slices.Equal(or.InsecureRegistries, nr.InsecureRegistries), nr.InsecureRegistries)
	note("registry-mirrors", slices.Equal(or.Mirrors, nr.Mirrors), nr.Mirrors)
	d.cfg.Debug, d.cfg.Labels, d.cfg.LiveRestore = n.Debug, n.Labels, n.LiveRestore
	d.cfg.ShutdownTimeout, d.cfg.DefaultRuntime, d.cfg.Runtimes = n.ShutdownTimeout, n.DefaultRuntime, n.Runtimes
	d.cfg.Registry.MaxConcurrentDownloads, d.cfg.Registry.MaxConcurrentUploads = nr.MaxConcurrentDownloads, nr.MaxConcurrentUploads
	d.cfg.Registry.InsecureRegistries, d.cfg.Registry.Mirrors = nr.InsecureRegistries, nr.Mirrors
	cur := d.cfg
	d.cfgMu.Unlock()
	d.imageService.ReloadRegistry(cur.Registry)
	reg := cur.Registry.WithDefaults()

	now := time.Now()
	d.events.Publish(events.Message{
		Type: events.DaemonEventType, Action: events.ActionReload, Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
		Actor: events.Actor{ID: d.daemonID(), Attributes: map[string]string{
			"name": hostname(), "debug": fmt.Sprint(cur.Debug), "labels": fmt.Sprintf("[%s]", strings.Join(cur.Labels, " ")),
			"live-restore": fmt.Sprint(cur.LiveRestore), "shutdown-timeout": fmt.Sprint(cur.ShutdownTimeout),
			"default-runtime": cur.DefaultRuntime, "runtimes": strings.Join(slices.Sorted(maps.Keys(cur.Runtimes)), " "),
			"max-concurrent-downloads": fmt.Sprint(reg.MaxConcurrentDownloads), "max-concurrent-uploads": fmt.Sprint(reg.MaxConcurrentUploads),
			"insecure-registries": jsonList(reg.InsecureRegistries), "registry-mirrors": jsonList(reg.Mirrors),
		}},
	})
	return changed, nil
}

// jsonList is a list attribute of the reload event as dockerd writes it.
func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}
