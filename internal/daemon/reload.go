package daemon

import (
	"fmt"
	"maps"
	"slices"
	"strings"

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
	nr := n.Registry
	changed = append(changed, old.Registry.ReloadChanges(nr)...)
	d.cfg.Debug, d.cfg.Labels, d.cfg.LiveRestore = n.Debug, n.Labels, n.LiveRestore
	d.cfg.ShutdownTimeout, d.cfg.DefaultRuntime, d.cfg.Runtimes = n.ShutdownTimeout, n.DefaultRuntime, n.Runtimes
	d.cfg.Registry.MaxConcurrentDownloads, d.cfg.Registry.MaxConcurrentUploads = nr.MaxConcurrentDownloads, nr.MaxConcurrentUploads
	d.cfg.Registry.InsecureRegistries, d.cfg.Registry.Mirrors = nr.InsecureRegistries, nr.Mirrors
	cur := d.cfg
	d.cfgMu.Unlock()
	d.imageService.ReloadRegistry(cur.Registry)

	attrs := cur.Registry.ReloadAttributes()
	maps.Copy(attrs, map[string]string{
		"name": hostname(), "debug": fmt.Sprint(cur.Debug), "labels": fmt.Sprintf("[%s]", strings.Join(cur.Labels, " ")),
		"live-restore": fmt.Sprint(cur.LiveRestore), "shutdown-timeout": fmt.Sprint(cur.ShutdownTimeout),
		"default-runtime": cur.DefaultRuntime, "runtimes": strings.Join(slices.Sorted(maps.Keys(cur.Runtimes)), " "),
	})
	d.events.Publish(events.Message{Type: events.DaemonEventType, Action: events.ActionReload, Actor: events.Actor{ID: d.daemonID(), Attributes: attrs}})
	return changed, nil
}
