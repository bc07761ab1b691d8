package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/build"
	"github.com/berth/berth/internal/daemon/eventlog"
	"github.com/berth/berth/internal/daemon/files"
	"github.com/berth/berth/internal/daemon/imagemounts"
	"github.com/berth/berth/internal/daemon/images"
	"github.com/berth/berth/internal/daemon/initbin"
	"github.com/berth/berth/internal/daemon/netglue"
	"github.com/berth/berth/internal/daemon/procs"
	"github.com/berth/berth/internal/daemon/resources"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/distribution"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/store"
)

// Runtime is one OCI runtime of the registry: a binary and its extra args.
type Runtime struct {
	Path string   `json:"path"`
	Args []string `json:"runtimeArgs,omitempty"`
}

// Config is the daemon's configuration (flags and daemon.json merged).
type Config struct {
	Root           string // --data-root
	ExecRoot       string // --exec-root
	Runtimes       map[string]Runtime
	DefaultRuntime string // "" = berth's own
	CgroupParent   string // parent of container cgroups, default /berth
	Debug          bool
	Version        string
	// APIVersion and MinAPIVersion are the API versions the server serves,
	// reported by /version.
	APIVersion, MinAPIVersion string
	// Binary is the berth binary run for the shim and the own runtime;
	// "" = os.Executable().
	Binary string
	Log    *slog.Logger
	// Options are the networking settings: default bridge, icc, address
	// pools, DNS defaults, host-gateway-ip.
	netglue.Options
	// Registry configures pulls and pushes (its Root defaults to
	// <Root>/distribution).
	Registry distribution.Config
	// Defaults is what daemon.json says of the daemon itself and of new
	// containers (shutdown.go, defaults.go).
	Defaults
}

// BuiltinRuntime is the name of berth's own OCI runtime in the registry.
const BuiltinRuntime = "berth"

// Daemon is the engine. Fields are owned by the use cases that need them.
type Daemon struct {
	log *slog.Logger

	root     string // --data-root
	execRoot string // --exec-root

	images        *image.Store
	imageService  *images.Service // the image use cases (images.go)
	snapshotter   snapshot.Snapshotter
	storageDriver string // "overlay" or "vfs", shown in info

	cfg         Config
	cfgMu       sync.RWMutex // guards the fields of cfg that Reload changes
	binary      string
	init        initbin.Init // what --init runs: the sealed copy of a static init
	db          *store.DB
	containers  *container.Registry
	volumes     *volumes.Service     // volumes and containers' mounts
	imageMounts *imagemounts.Manager // --mount type=image, the CRI's image volumes
	shims       sync.Map             // container ID → *shimclient.Shim
	deleting    sync.Map             // container ID → chan closed when its exited shim's delete is done
	procs       *procs.Service       // execs, attaches, logs, health checks (procs.go)
	events      *eventlog.Log
	started     time.Time
	cgroupV2    bool
	starts      resources.StartGate // starts setting up at once
	hostCaps    []string            // the daemon's bounding set
	net         *netglue.Service    // endpoints, DNS records, name files, links
	bg          context.Context     // outlives requests: monitors, auto-removal
	stopBg      context.CancelFunc
	wg          sync.WaitGroup
	build       *build.Service // builds and the build cache (build.go)
	files       *files.Service // cp, export and diff of containers' files (files.go)

	res *resources.Service // stats, top, update; the limits of a create and a start

	// shuttingDown is set while Shutdown stops the containers: their
	// exits restart nothing.
	shuttingDown atomic.Bool
}

// DataRootMode is the mode of the data root and the exec root: root only,
// with traversal for its group (dockerd's data root).
const DataRootMode = 0o710

// New opens the daemon's state under cfg.Root and cfg.ExecRoot, cleans up what
// a crash left behind and reconnects to the shims of running containers.
func New(ctx context.Context, cfg Config) (*Daemon, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CgroupParent == "" {
		cfg.CgroupParent = "/berth"
	}
	if cfg.DefaultRuntime == "" {
		cfg.DefaultRuntime = BuiltinRuntime
	}
	bin := cfg.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find own binary: %w", err)
		}
		bin = exe
	}
	// The data root and exec root are 0710 whoever made them (the CLI's
	// autostart, an older berth, Moby's 0711): other users must not reach
	// volumes, layers or a running container's rootfs, and its setuid
	// files, through them (CVE-2021-41091).
	for _, dir := range []string{cfg.Root, cfg.ExecRoot, filepath.Join(cfg.Root, "containers"), filepath.Join(cfg.ExecRoot, "b"), filepath.Join(cfg.ExecRoot, "s")} {
		if err := os.MkdirAll(dir, DataRootMode); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		if err := os.Chmod(dir, DataRootMode); err != nil {
			return nil, fmt.Errorf("set mode of %s: %w", dir, err)
		}
	}
	if _, ok := cfg.Runtimes[cfg.DefaultRuntime]; !ok && cfg.DefaultRuntime != BuiltinRuntime {
		return nil, fmt.Errorf("default runtime %q is not in the runtimes registry", cfg.DefaultRuntime)
	}
	db, err := store.Open(filepath.Join(cfg.Root, "containers.db"), container.Bucket)
	if err != nil {
		return nil, err
	}
	reg, err := container.NewRegistry(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	d := &Daemon{
		log: cfg.Log, root: cfg.Root, execRoot: cfg.ExecRoot, cfg: cfg, binary: bin,
		db: db, containers: reg, events: eventlog.New(cfg.EventsRingSize),
		started: time.Now(), cgroupV2: resources.CgroupV2(), hostCaps: resources.HostCapabilities(), starts: resources.NewStartGate(),
	}
	if d.volumes, err = volumes.New(volumes.Config{DB: db, Root: filepath.Join(cfg.Root, "volumes"), Log: d.log,
		Containers: reg, Publish: d.events.Publish}); err != nil {
		db.Close()
		return nil, err
	}
	if d.init = initbin.Setup(bin, filepath.Join(cfg.ExecRoot, "init")); !d.init.Available() {
		d.log.Warn(d.init.Unavailable().Error())
	}
	d.res = d.newResources()
	d.bg, d.stopBg = context.WithCancel(context.Background())
	d.initProcs()
	if err := d.initImages(); err != nil {
		db.Close()
		return nil, err
	}
	d.initBuild()
	d.initFiles()
	d.net = netglue.New(netglue.Config{Options: cfg.Options, Root: cfg.Root, ExecRoot: cfg.ExecRoot, Log: d.log,
		Containers: reg, ContainerDir: d.containerDir, Publish: d.events.Publish})
	d.reconcileNetworking()
	d.restore(ctx)
	// The containers' monitor runs ahead of the first start.
	recovery.Go(d.log, "start monitor", func() { _ = shimclient.EnsureMonitor(d.bg, bin, d.monitorDir()) }, nil)
	d.net.RestoreDNS()
	return d, nil
}

// Close stops the daemon's background work; running containers keep
// running under their shims (live restore).
func (d *Daemon) Close() error {
	d.stopBg()
	d.shims.Range(func(_, v any) bool {
		_ = v.(*shimclient.Shim).Close()
		return true
	})
	d.wg.Wait()
	d.net.Close()
	d.build.Close()
	initbin.Release(filepath.Join(d.execRoot, "init"))
	return d.db.Close()
}

// runtimeArgv returns the argv prefix of the named runtime; each runtime
// keeps its state under this daemon's exec root so daemons side by side do
// not see each other's containers.
func (d *Daemon) runtimeArgv(name string) ([]string, error) {
	cfg := d.config()
	if name == "" {
		name = cfg.DefaultRuntime
	}
	state := filepath.Join(d.execRoot, "runtimes", name)
	if name == BuiltinRuntime {
		state = filepath.Join(d.execRoot, "runtime")
		if rt, ok := cfg.Runtimes[name]; ok && rt.Path != "" {
			return append(append([]string{rt.Path}, rt.Args...), "--root", state), nil
		}
		return []string{d.binary, "runtime", "--root", state}, nil
	}
	rt, ok := cfg.Runtimes[name]
	if !ok {
		return nil, errUnknownRuntime(name)
	}
	return append(append([]string{rt.Path}, rt.Args...), "--root", state), nil
}

// errNoSuchRuntime is dockerd's message for a runtime name it does not know.
var errNoSuchRuntime = errors.New("unknown or invalid runtime name")

// Networks is the networking glue, the network router's Backend.
func (d *Daemon) Networks() *netglue.Service { return d.net }

// Volumes is the volumes and containers' mounts, the volume router's
// Backend.
func (d *Daemon) Volumes() *volumes.Service { return d.volumes }

// containerDir is the persistent dir of a container (hostname, hosts,
// resolv.conf, log).
func (d *Daemon) containerDir(id string) string { return filepath.Join(d.root, "containers", id) }

// bundleDir is the OCI bundle of a container, under the exec root: the
// rootfs mount point and config.json.
func (d *Daemon) bundleDir(id string) string { return filepath.Join(d.execRoot, "b", id) }

// monitorDir is the dir of the monitor of this daemon's containers
// (`berth shim monitor`): its socket, lock and log.
func (d *Daemon) monitorDir() string { return filepath.Join(d.execRoot, "monitor") }

// shimDir is the state dir of a container's shim; short, because it holds a
// unix socket (108-byte path limit).
func (d *Daemon) shimDir(id string) string {
	return filepath.Join(d.execRoot, "s", container.ShortID(id))
}
