package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/berth/berth/internal/daemon"
	"github.com/berth/berth/internal/priority"
	"github.com/berth/berth/internal/server"
)

// Version is berth's version, shown by /version and the Server header.
var Version = "0.1.0-dev"

// Defaults of berth daemon, as dockerd's with berth's names.
const (
	DefaultHost       = "unix:///run/berth/berth.sock"
	DefaultDataRoot   = "/var/lib/berth"
	DefaultExecRoot   = "/run/berth"
	DefaultConfigFile = "/etc/berth/daemon.json"
	DefaultGroup      = "berth"
)

// options are the parsed flags.
type options struct {
	hosts          []string
	dataRoot       string
	execRoot       string
	configFile     string
	logLevel       string
	debug          bool
	group          string
	pidfile        string
	defaultRuntime string
	addRuntimes    []string
	cgroupParent   string
	bridge         string
	icc            bool
	pools          []string
	bip, fixedCIDR string
	tls            tlsOptions
	dns            dnsOptions
	validate       bool
	cri            criOptions
	helperBinary   string
	set            func(string) bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := pflag.NewFlagSet("berth daemon", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringArrayVarP(&o.hosts, "host", "H", nil, "daemon socket(s) to listen on: unix://path or tcp://host:port (repeatable)")
	fs.StringVar(&o.dataRoot, "data-root", DefaultDataRoot, "directory of lasting state: images, containers, volumes, networks")
	fs.StringVar(&o.execRoot, "exec-root", DefaultExecRoot, "directory of run-time state: pid file, bundles, network namespaces, shim state")
	fs.StringVar(&o.configFile, "config-file", DefaultConfigFile, "JSON file of settings; one given here and as a flag is an error")
	fs.StringVarP(&o.logLevel, "log-level", "l", "info", `log level ("debug", "info", "warn", "error", "fatal")`)
	fs.BoolVarP(&o.debug, "debug", "D", false, "log at debug level")
	fs.StringVarP(&o.group, "group", "G", DefaultGroup, "group owning the unix socket(s)")
	fs.StringVarP(&o.pidfile, "pidfile", "p", "", "path of the daemon's pid file (default <exec-root>/berth.pid)")
	fs.StringVar(&o.defaultRuntime, "default-runtime", "", "runtime containers use when they name none (default berth's own)")
	fs.StringArrayVar(&o.addRuntimes, "add-runtime", nil, "register an OCI runtime: name=path (repeatable)")
	fs.StringVar(&o.cgroupParent, "cgroup-parent", "", "parent cgroup of all containers (default /berth)")
	fs.StringVarP(&o.bridge, "bridge", "b", "", "device name of the default bridge network (default berth0); also names the nftables table")
	fs.BoolVar(&o.icc, "icc", true, "enable inter-container communication on the default bridge")
	fs.StringArrayVar(&o.pools, "default-address-pool", nil, "where networks without --subnet get theirs: base=CIDR,size=N (repeatable)")
	fs.StringVar(&o.bip, "bip", "", "address and subnet length of the default bridge: 192.168.5.1/24")
	fs.StringVar(&o.fixedCIDR, "fixed-cidr", "", "range of the default bridge's container addresses, within its subnet")
	fs.BoolVar(&o.tls.enable, "tls", false, "serve TCP hosts over TLS (implied by --tlsverify); --tls=false, given explicitly, lets a TCP host go without TLS")
	fs.BoolVar(&o.tls.verify, "tlsverify", false, "serve TCP hosts over TLS and require client certificates signed by --tlscacert")
	fs.StringVar(&o.tls.ca, "tlscacert", "", "CA certificate that client certificates must chain to")
	fs.StringVar(&o.tls.cert, "tlscert", "", "server TLS certificate")
	fs.StringVar(&o.tls.key, "tlskey", "", "server TLS key")
	fs.BoolVar(&o.validate, "validate", false, "validate the configuration (flags and file) and exit")
	o.dns.addFlags(fs)
	fs.StringVar(&o.cri.flag, "cri-socket", "", `Kubernetes CRI socket (default <exec-root>/cri.sock; "none" or "" turns the CRI off)`)
	fs.StringVar(&o.cri.cniConfDir, "cni-conf-dir", "/etc/cni/net.d", "CNI network configurations for the CRI's pods (the first file in name order; berth writes its default when there is none)")
	fs.StringArrayVar(&o.cri.cniBinDirs, "cni-bin-dir", []string{"/usr/lib/cni", "/opt/cni/bin"}, "directory of CNI plugins (repeatable)")
	fs.StringVar(&o.cri.streamFlag, "cri-stream-address", "", "address (host:port) of the CRI's streaming server for exec, attach and port-forward (default 127.0.0.1:0, a random port)")
	// A test's race-built daemon runs the plain binary for everything else.
	fs.StringVar(&o.helperBinary, "helper-binary", "", "berth binary run as the containers' monitor, berth's runtime and --init (default this one)")
	_ = fs.MarkHidden("helper-binary")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("berth daemon takes no arguments, got %q", fs.Args())
	}
	o.set = func(name string) bool { return fs.Changed(name) }
	return o, nil
}

// buildConfig merges the flags and the config file into a daemon config,
// refusing an option given both ways (dockerd's rule).
func buildConfig(o *options) (daemon.Config, []string, string, string, string, error) {
	fc, keys, err := loadConfigFile(o.configFile, o.set("config-file"))
	if err != nil {
		return daemon.Config{}, nil, "", "", "", err
	}
	var conflicts []string
	for _, k := range keys {
		if f, ok := flagNames[k]; ok && o.set(f) {
			conflicts = append(conflicts, fmt.Sprintf("%s: (from flag: %v, from file: %s)", k, flagValue(o, f), k))
		}
	}
	if len(conflicts) > 0 {
		return daemon.Config{}, nil, "", "", "", fmt.Errorf("the following directives are specified both as a flag and in the configuration file: %s", strings.Join(conflicts, ", "))
	}
	cfg := daemon.Config{
		Root: o.dataRoot, ExecRoot: o.execRoot, DefaultRuntime: o.defaultRuntime, CgroupParent: o.cgroupParent,
		Debug: o.debug, Version: Version, Runtimes: map[string]daemon.Runtime{},
		APIVersion: server.APIVersion, MinAPIVersion: server.MinAPIVersion, Binary: o.helperBinary,
	}
	hosts, group, pidfile, level := o.hosts, o.group, o.pidfile, o.logLevel
	if fc.DataRoot != "" {
		cfg.Root = fc.DataRoot
	}
	if fc.ExecRoot != "" {
		cfg.ExecRoot = fc.ExecRoot
	}
	if fc.DefaultRuntime != "" {
		cfg.DefaultRuntime = fc.DefaultRuntime
	}
	if fc.CgroupParent != "" {
		cfg.CgroupParent = fc.CgroupParent
	}
	cfg.Bridge, cfg.NoICC = o.bridge, !o.icc
	if fc.Bridge != "" {
		cfg.Bridge = fc.Bridge
	}
	if fc.ICC != nil {
		cfg.NoICC = !*fc.ICC
	}
	if fc.Debug != nil {
		cfg.Debug = *fc.Debug
	}
	if len(fc.Hosts) > 0 {
		hosts = fc.Hosts
	}
	if fc.Group != "" {
		group = fc.Group
	}
	if fc.Pidfile != "" {
		pidfile = fc.Pidfile
	}
	if fc.LogLevel != "" {
		level = fc.LogLevel
	}
	if fc.TLS != nil {
		o.tls.enable = *fc.TLS
	}
	if fc.TLSVerify != nil {
		o.tls.verify = *fc.TLSVerify
	}
	o.tls.verifySet = o.set("tlsverify") || fc.TLSVerify != nil
	o.tls.disabled = !o.tls.enable && (o.set("tls") || fc.TLS != nil)
	for dst, v := range map[*string]string{&o.tls.ca: fc.TLSCACert, &o.tls.cert: fc.TLSCert, &o.tls.key: fc.TLSKey} {
		if v != "" {
			*dst = v
		}
	}
	if err := o.dns.apply(fc, &cfg); err != nil {
		return cfg, nil, "", "", "", err
	}
	if err := fc.registryConfig.apply(&cfg); err != nil {
		return cfg, nil, "", "", "", err
	}
	o.cri.file, o.cri.streamFile = fc.CRISocket, fc.CRIStreamAddress
	if err := fc.applyDefaults(&cfg); err != nil {
		return cfg, nil, "", "", "", err
	}
	if err := applyPools(o.pools, fc.DefaultAddressPools, &cfg); err != nil {
		return cfg, nil, "", "", "", err
	}
	if err := applyDefaultAddressing(o, fc, &cfg); err != nil {
		return cfg, nil, "", "", "", err
	}
	for name, rt := range fc.Runtimes {
		if rt.Path == "" {
			return cfg, nil, "", "", "", fmt.Errorf("runtime %q in %s has no path", name, o.configFile)
		}
		cfg.Runtimes[name] = rt
	}
	for _, a := range o.addRuntimes {
		name, path, ok := strings.Cut(a, "=")
		if !ok || name == "" || path == "" {
			return cfg, nil, "", "", "", fmt.Errorf("invalid --add-runtime %q: want name=path", a)
		}
		cfg.Runtimes[name] = daemon.Runtime{Path: path}
	}
	for _, p := range []*string{&cfg.Root, &cfg.ExecRoot} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return cfg, nil, "", "", "", err
		}
		*p = abs
	}
	if len(hosts) == 0 {
		hosts = []string{DefaultHost}
	}
	if pidfile == "" {
		pidfile = filepath.Join(cfg.ExecRoot, "berth.pid")
	}
	if cfg.Debug {
		level = "debug"
	}
	return cfg, hosts, group, pidfile, level, nil
}

func flagValue(o *options, f string) any {
	switch f {
	case "host":
		return o.hosts
	case "data-root":
		return o.dataRoot
	case "exec-root":
		return o.execRoot
	case "log-level":
		return o.logLevel
	case "debug":
		return o.debug
	case "group":
		return o.group
	case "pidfile":
		return o.pidfile
	case "default-runtime":
		return o.defaultRuntime
	case "tls", "tlsverify", "tlscacert", "tlscert", "tlskey", "dns", "dns-search", "dns-opt", "host-gateway-ip", "default-address-pool":
		return "(set)"
	case "bip":
		return o.bip
	case "fixed-cidr":
		return o.fixedCIDR
	case "bridge":
		return o.bridge
	case "cri-socket":
		return o.cri.flag
	case "cri-stream-address":
		return o.cri.streamFlag
	case "icc":
		return o.icc
	}
	return o.cgroupParent
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "fatal", "panic":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unable to parse logging level: %s", s)
}

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
func Main(args []string) int {
	if err := run(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "berth daemon: %v\n", err)
		return 1
	}
	return 0
}

func run(args []string) error {
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	cfg, hosts, group, pidfile, levelName, err := buildConfig(o)
	if err != nil {
		return err
	}
	lvl, err := parseLevel(levelName)
	if err != nil {
		return err
	}
	var level slog.LevelVar // SIGHUP may change it
	level.Set(lvl)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &level}))
	cfg.Log = log
	slog.SetDefault(log) // for packages that log without a logger of their own (recovery)
	tlsCfg, err := o.tls.config()
	if err != nil {
		return err
	}
	if err := checkTCPAuth(hosts, tlsCfg, o.tls); err != nil {
		return err
	}
	if o.validate {
		fmt.Println("configuration OK")
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Features)) {
		if cfg.Features[name] {
			log.Warn("daemon.json: berth has no such feature to turn on; ignored", "feature", name)
		}
	}
	if os.Geteuid() != 0 {
		return errors.New("the daemon must run as root")
	}
	// Once, before anything is created, for the daemon's whole life (as
	// dockerd does): the modes of the data root, cgroups, volumes and
	// everything the monitor and runtimes it starts create must not
	// depend on the umask of whoever started the daemon.
	syscall.Umask(0o022)
	// Likewise its CPU priority, above the containers' (the monitor goes
	// back to theirs).
	if err := priority.Set(priority.Daemon); err != nil {
		log.Warn("cannot raise the daemon's CPU priority", "err", err)
	}
	if err := os.MkdirAll(cfg.ExecRoot, 0o710); err != nil {
		return fmt.Errorf("create exec root: %w", err)
	}
	if err := writePidfile(pidfile); err != nil {
		return err
	}
	defer os.Remove(pidfile)

	ctx := context.Background()
	d, err := daemon.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	stopCRI, err := startCRI(o, cfg, d, log)
	if err != nil {
		return err
	}
	defer stopCRI()
	srv := server.New(server.Config{Version: Version, Log: log}, routers(d)...)
	ls, err := listenAll(hosts, group, o.set("group"), tlsCfg, log)
	if err != nil {
		return err
	}
	errCh := make(chan error, len(ls))
	for _, l := range ls {
		log.Info("API listening", "addr", l.Addr().String())
		go func() { errCh <- srv.Serve(l) }()
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
wait:
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				reload(o, d, &level, log)
				continue
			}
			log.Info("shutting down", "signal", s)
			break wait
		case err := <-errCh:
			if err != nil {
				log.Error("API server stopped", "err", err)
			}
			break wait
		}
	}
	d.Shutdown(ctx)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	for _, l := range ls {
		l.Close()
	}
	return nil
}

// reload reads the configuration again (flags as given, the file anew)
// and applies what dockerd reloads live; an invalid file changes nothing.
func reload(o *options, d *daemon.Daemon, level *slog.LevelVar, log *slog.Logger) {
	cfg, _, _, _, levelName, err := buildConfig(o)
	if err == nil {
		var lvl slog.Level
		if lvl, err = parseLevel(levelName); err == nil {
			var changed []string
			if changed, err = d.Reload(cfg); err == nil {
				level.Set(lvl)
				log.Info("reloaded configuration", "changed", strings.Join(changed, " "))
				return
			}
		}
	}
	log.Error("reload configuration", "err", err)
}
