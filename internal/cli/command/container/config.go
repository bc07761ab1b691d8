package container

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/opts"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// containerRequest is everything "create" sends to the daemon.
type containerRequest struct {
	Config     *container.Config
	HostConfig *container.HostConfig
	Networking *network.NetworkingConfig
	Name       string
}

// parseContainer turns the flags and the positional arguments (IMAGE
// [COMMAND] [ARG...]) into the create request, as docker's CLI does. detach
// tells whether "run -d" was given (attach flags then stay off). Each flag
// group has its function; they run in docker's order, so that of several
// bad flags the same one is reported.
func parseContainer(o *containerOptions, args []string, detach bool, lookup func(string) (string, bool)) (*containerRequest, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("image is required")
	}
	cfg := configFromFlags(o, args)
	hc := hostConfigFromFlags(o)
	steps := []func() error{
		func() error { return setAttach(o, cfg, detach) },
		func() error { return setEnvAndLabels(o, cfg, lookup) },
		func() error { return setRestart(o, hc) },
		func() error { return setHostsAndDNS(o, hc) },
		func() error { return setResources(o, hc) },
		func() error { return setSecurity(o, hc) },
		func() error { return setMounts(o, cfg, hc) },
		func() error { return setPorts(o, cfg, hc) },
		func() (err error) { cfg.Healthcheck, err = parseHealth(o); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	networking, err := endpointConfig(o)
	if err != nil {
		return nil, err
	}
	return &containerRequest{Config: cfg, HostConfig: hc, Networking: networking, Name: o.name}, nil
}

// changed tells whether the flag was given on the command line.
func (o *containerOptions) changed(name string) bool { return o.flags != nil && o.flags.Changed(name) }

// configFromFlags is the container config of the image, the command and the
// process flags (user, workdir, tty, entrypoint, stop signal and timeout).
func configFromFlags(o *containerOptions, args []string) *container.Config {
	cfg := &container.Config{
		Image:      args[0],
		Hostname:   o.hostname,
		Domainname: o.domainname,
		User:       o.user,
		WorkingDir: o.workdir,
		Tty:        o.tty,
		OpenStdin:  o.stdin,
		StopSignal: o.stopSignal,
	}
	if len(args) > 1 {
		cfg.Cmd = append([]string{}, args[1:]...)
	}
	if o.entrypoint != "" {
		cfg.Entrypoint = []string{o.entrypoint}
	} else if o.changed("entrypoint") {
		cfg.Entrypoint = []string{""}
	}
	if o.changed("stop-timeout") {
		t := o.stopTimeout
		cfg.StopTimeout = &t
	}
	return cfg
}

// hostConfigFromFlags is the host config of the flags that are copied as
// they are: modes, capabilities, names, the log driver and its options.
func hostConfigFromFlags(o *containerOptions) *container.HostConfig {
	hc := &container.HostConfig{
		AutoRemove:      o.autoRemove,
		Privileged:      o.privileged,
		ReadonlyRootfs:  o.readOnly,
		CapAdd:          o.capAdd,
		CapDrop:         o.capDrop,
		GroupAdd:        o.groupAdd,
		Runtime:         o.runtime,
		NetworkMode:     container.NetworkMode(o.network),
		PublishAllPorts: o.publishAll,
		DNSSearch:       o.dnsSearch,
		DNSOptions:      o.dnsOption,
		Links:           o.links,
		VolumesFrom:     o.volumesFrom,
		VolumeDriver:    o.volumeDriver,
		IpcMode:         container.IpcMode(o.ipc),
		PidMode:         container.PidMode(o.pid),
		UTSMode:         container.UTSMode(o.uts),
		UsernsMode:      container.UsernsMode(o.userns),
		CgroupnsMode:    container.CgroupnsMode(o.cgroupns),
		OomScoreAdj:     o.oomScoreAdj,
		ContainerIDFile: o.cidFile,
		LogConfig:       container.LogConfig{Type: o.logDriver},
	}
	if len(o.annotations) > 0 {
		hc.Annotations = opts.ParseLabels(o.annotations)
	}
	if o.changed("init") {
		v := o.init
		hc.Init = &v
	}
	if len(o.logOpts) > 0 {
		hc.LogConfig.Config = opts.ParseLabels(o.logOpts)
	}
	return hc
}

// setAttach picks the attached streams: by default stdout and stderr,
// stdin with -i; none with -d.
func setAttach(o *containerOptions, cfg *container.Config, detach bool) error {
	switch {
	case detach:
		if len(o.attach) > 0 {
			return fmt.Errorf("conflicting options: cannot specify both --attach and --detach")
		}
	case len(o.attach) > 0:
		for _, a := range o.attach {
			switch strings.ToLower(a) {
			case "stdin":
				cfg.AttachStdin = true
			case "stdout":
				cfg.AttachStdout = true
			case "stderr":
				cfg.AttachStderr = true
			default:
				return fmt.Errorf("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", a)
			}
		}
	default:
		cfg.AttachStdout, cfg.AttachStderr = true, true
		cfg.AttachStdin = o.stdin
	}
	if cfg.OpenStdin && cfg.AttachStdin {
		cfg.StdinOnce = true
	}
	return nil
}

// setEnvAndLabels reads the environment (env files first, then -e) and
// the labels (label files first, then -l).
func setEnvAndLabels(o *containerOptions, cfg *container.Config, lookup func(string) (string, bool)) error {
	for _, f := range o.envFile {
		lines, err := opts.ParseEnvFile(f, lookup)
		if err != nil {
			return fmt.Errorf("read env file %s: %w", f, err)
		}
		cfg.Env = append(cfg.Env, lines...)
	}
	for _, e := range o.env {
		v, err := opts.ValidateEnv(e, lookup)
		if err != nil {
			return err
		}
		cfg.Env = append(cfg.Env, v)
	}
	var labels []string
	for _, f := range o.labelFile {
		lines, err := opts.ParseLabelFile(f)
		if err != nil {
			return fmt.Errorf("read label file %s: %w", f, err)
		}
		labels = append(labels, lines...)
	}
	cfg.Labels = opts.ParseLabels(append(labels, o.labels...))
	return nil
}

// setRestart parses --restart, which --rm excludes.
func setRestart(o *containerOptions, hc *container.HostConfig) error {
	rp, err := opts.ParseRestartPolicy(o.restart)
	if err != nil {
		return err
	}
	hc.RestartPolicy = rp
	if o.autoRemove && rp.Name != "" && rp.Name != container.RestartPolicyDisabled {
		return fmt.Errorf("conflicting options: cannot specify both --restart and --rm")
	}
	return nil
}

// parseEach parses every value of a list flag, failing as docker does:
// invalid argument "v" for "--flag" flag: why.
func parseEach[T any](flag string, values []string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, v := range values {
		p, err := parse(v)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for %q flag: %w", v, flag, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// setHostsAndDNS parses --add-host and --dns.
func setHostsAndDNS(o *containerOptions, hc *container.HostConfig) error {
	hosts, err := parseEach("--add-host", o.addHost, opts.ValidateExtraHost)
	if err != nil {
		return err
	}
	hc.ExtraHosts = append(hc.ExtraHosts, hosts...)
	for _, d := range o.dns {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return fmt.Errorf("%s is not an ip address", d)
		}
		hc.DNS = append(hc.DNS, a)
	}
	return nil
}

// setResources sets the cgroup limits: memory, CPU, block I/O, pids,
// /dev/shm, ulimits and devices.
func setResources(o *containerOptions, hc *container.HostConfig) error {
	r := &hc.Resources
	r.Memory, r.MemorySwap, r.MemoryReservation = int64(o.memory), int64(o.memorySwap), int64(o.memoryReservation)
	if o.memorySwappiness != -1 {
		v := o.memorySwappiness
		r.MemorySwappiness = &v
	}
	if o.changed("oom-kill-disable") {
		v := o.oomKillDisable
		r.OomKillDisable = &v
	}
	r.NanoCPUs = int64(o.cpus)
	r.CPUShares, r.CPUPeriod, r.CPUQuota = o.cpuShares, o.cpuPeriod, o.cpuQuota
	r.CpusetCpus, r.CpusetMems = o.cpusetCpus, o.cpusetMems
	r.BlkioWeight = o.blkioWeight
	r.CgroupParent = o.cgroupParent
	if o.changed("pids-limit") {
		v := o.pidsLimit
		r.PidsLimit = &v
	}
	hc.ShmSize = int64(o.shmSize)
	ulimits, err := parseEach("--ulimit", o.ulimits, opts.ParseUlimit)
	if err != nil {
		return err
	}
	r.Ulimits = append(r.Ulimits, ulimits...)
	for _, d := range o.devices {
		dm, err := parseDevice(d)
		if err != nil {
			return err
		}
		r.Devices = append(r.Devices, dm)
	}
	r.DeviceCgroupRules = o.deviceRules
	return nil
}

// setSecurity parses --sysctl and --security-opt.
func setSecurity(o *containerOptions, hc *container.HostConfig) error {
	if len(o.sysctls) > 0 {
		hc.Sysctls = map[string]string{}
		for _, s := range o.sysctls {
			k, v, ok := strings.Cut(s, "=")
			if !ok {
				return fmt.Errorf("invalid argument %q for \"--sysctl\" flag: sysctl '%s' is not allowed", s, s)
			}
			hc.Sysctls[k] = v
		}
	}
	var err error
	hc.SecurityOpt, err = parseSecurityOpts(o.securityOpt)
	return err
}

// setMounts parses -v (anonymous volumes or binds), --mount and --tmpfs.
func setMounts(o *containerOptions, cfg *container.Config, hc *container.HostConfig) error {
	for _, v := range o.volumes {
		anon, bind, err := opts.ParseVolume(v)
		if err != nil {
			return err
		}
		if anon != "" {
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[anon] = struct{}{}
		} else {
			hc.Binds = append(hc.Binds, bind)
		}
	}
	mounts, err := parseEach("--mount", o.mounts, opts.ParseMount)
	if err != nil {
		return err
	}
	hc.Mounts = append(hc.Mounts, mounts...)
	for _, t := range o.tmpfs {
		p, optsStr, err := opts.ParseTmpfs(t)
		if err != nil {
			return err
		}
		if hc.Tmpfs == nil {
			hc.Tmpfs = map[string]string{}
		}
		hc.Tmpfs[p] = optsStr
	}
	return nil
}

// setPorts parses -p and --expose.
func setPorts(o *containerOptions, cfg *container.Config, hc *container.HostConfig) error {
	exposed, bindings, err := opts.ParsePublish(o.publish)
	if err != nil {
		return err
	}
	if err := opts.ParseExpose(o.expose, exposed); err != nil {
		return err
	}
	if len(exposed) > 0 {
		cfg.ExposedPorts = exposed
	}
	if len(bindings) > 0 {
		hc.PortBindings = bindings
	}
	return nil
}

// endpointConfig is the endpoint on the --network of --ip, --ip6,
// --network-alias and --mac-address; nil when none is given or the
// network is host or none.
func endpointConfig(o *containerOptions) (*network.NetworkingConfig, error) {
	netName := o.network
	if netName == "" && o.macAddress != "" {
		netName = "default" // the docker CLI's key for the default network
	}
	mode := container.NetworkMode(netName)
	if netName == "" || mode.IsHost() || mode.IsNone() || (o.ip == "" && o.ip6 == "" && len(o.networkAlias) == 0 && o.macAddress == "") {
		return nil, nil
	}
	ep := &network.EndpointSettings{Aliases: o.networkAlias}
	if o.macAddress != "" {
		mac, err := net.ParseMAC(o.macAddress)
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid mac address", o.macAddress)
		}
		ep.MacAddress = network.HardwareAddr(mac)
	}
	if o.ip != "" || o.ip6 != "" {
		ep.IPAMConfig = &network.EndpointIPAMConfig{}
		if o.ip != "" {
			a, err := netip.ParseAddr(o.ip)
			if err != nil {
				return nil, fmt.Errorf("invalid IPv4 address: %s", o.ip)
			}
			ep.IPAMConfig.IPv4Address = a
		}
		if o.ip6 != "" {
			a, err := netip.ParseAddr(o.ip6)
			if err != nil {
				return nil, fmt.Errorf("invalid IPv6 address: %s", o.ip6)
			}
			ep.IPAMConfig.IPv6Address = a
		}
	}
	return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{netName: ep}}, nil
}

func parseDevice(s string) (container.DeviceMapping, error) {
	parts := strings.Split(s, ":")
	dm := container.DeviceMapping{PathOnHost: parts[0], PathInContainer: parts[0], CgroupPermissions: "rwm"}
	switch len(parts) {
	case 1:
	case 2:
		if isPerm(parts[1]) {
			dm.CgroupPermissions = parts[1]
		} else {
			dm.PathInContainer = parts[1]
		}
	case 3:
		if !isPerm(parts[2]) {
			return dm, fmt.Errorf("invalid device mode: %s", parts[2])
		}
		dm.PathInContainer, dm.CgroupPermissions = parts[1], parts[2]
	default:
		return dm, fmt.Errorf("invalid device specification: %s", s)
	}
	return dm, nil
}

func isPerm(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c != 'r' && c != 'w' && c != 'm' {
			return false
		}
	}
	return true
}

// parseSecurityOpts reads seccomp profiles named in --security-opt
// seccomp=FILE and sends their content, as docker does.
func parseSecurityOpts(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, o := range list {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(o, ":")
		}
		if o == "no-new-privileges" {
			out = append(out, o)
			continue
		}
		if !ok {
			return nil, fmt.Errorf("invalid --security-opt: %q", o)
		}
		if k == "seccomp" && v != "unconfined" && v != "builtin" {
			data, err := os.ReadFile(v)
			if err != nil {
				return nil, fmt.Errorf("opening seccomp profile (%s) failed: %w", v, err)
			}
			var b bytes.Buffer
			if err := json.Compact(&b, data); err != nil {
				return nil, fmt.Errorf("compacting json for seccomp profile (%s) failed: %w", v, err)
			}
			out = append(out, "seccomp="+b.String())
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

func parseHealth(o *containerOptions) (*container.HealthConfig, error) {
	if o.noHealthcheck {
		if o.healthCmd != "" || o.healthInterval != "" || o.healthTimeout != "" || o.healthRetries != 0 || o.healthStartPeriod != "" {
			return nil, fmt.Errorf("--no-healthcheck conflicts with --health-* options")
		}
		return &container.HealthConfig{Test: []string{"NONE"}}, nil
	}
	if o.healthCmd == "" && o.healthInterval == "" && o.healthTimeout == "" && o.healthRetries == 0 && o.healthStartPeriod == "" && o.healthStartInterval == "" {
		return nil, nil
	}
	h := &container.HealthConfig{Retries: o.healthRetries}
	if o.healthCmd != "" {
		h.Test = []string{"CMD-SHELL", o.healthCmd}
	}
	for _, d := range []struct {
		name, v string
		dst     *time.Duration
	}{
		{"--health-interval", o.healthInterval, &h.Interval},
		{"--health-timeout", o.healthTimeout, &h.Timeout},
		{"--health-start-period", o.healthStartPeriod, &h.StartPeriod},
		{"--health-start-interval", o.healthStartInterval, &h.StartInterval},
	} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for %q flag: %w", d.v, d.name, err)
		}
		if v < 0 {
			return nil, fmt.Errorf("%s cannot be negative", d.name)
		}
		*d.dst = v
	}
	if h.Retries < 0 {
		return nil, fmt.Errorf("--health-retries cannot be negative")
	}
	return h, nil
}
