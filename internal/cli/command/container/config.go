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
// tells whether "run -d" was given (attach flags then stay off).
func parseContainer(o *containerOptions, args []string, detach bool, lookup func(string) (string, bool)) (*containerRequest, error) {
	changed := func(name string) bool { return o.flags != nil && o.flags.Changed(name) }
	if len(args) == 0 {
		return nil, fmt.Errorf("image is required")
	}
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
	} else if changed("entrypoint") {
		cfg.Entrypoint = []string{""}
	}
	if changed("stop-timeout") {
		t := o.stopTimeout
		cfg.StopTimeout = &t
	}

	// Attach: by default stdout and stderr, stdin with -i.
	if detach {
		if len(o.attach) > 0 {
			return nil, fmt.Errorf("conflicting options: cannot specify both --attach and --detach")
		}
	} else if len(o.attach) > 0 {
		for _, a := range o.attach {
			switch strings.ToLower(a) {
			case "stdin":
				cfg.AttachStdin = true
			case "stdout":
				cfg.AttachStdout = true
			case "stderr":
				cfg.AttachStderr = true
			default:
				return nil, fmt.Errorf("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", a)
			}
		}
	} else {
		cfg.AttachStdout, cfg.AttachStderr = true, true
		cfg.AttachStdin = o.stdin
	}
	if cfg.OpenStdin && cfg.AttachStdin {
		cfg.StdinOnce = true
	}

	// Environment: env files first, then -e.
	for _, f := range o.envFile {
		lines, err := opts.ParseEnvFile(f, lookup)
		if err != nil {
			return nil, fmt.Errorf("read env file %s: %w", f, err)
		}
		cfg.Env = append(cfg.Env, lines...)
	}
	for _, e := range o.env {
		v, err := opts.ValidateEnv(e, lookup)
		if err != nil {
			return nil, err
		}
		cfg.Env = append(cfg.Env, v)
	}

	var labels []string
	for _, f := range o.labelFile {
		lines, err := opts.ParseLabelFile(f)
		if err != nil {
			return nil, fmt.Errorf("read label file %s: %w", f, err)
		}
		labels = append(labels, lines...)
	}
	labels = append(labels, o.labels...)
	cfg.Labels = opts.ParseLabels(labels)

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
	if changed("init") {
		v := o.init
		hc.Init = &v
	}
	rp, err := opts.ParseRestartPolicy(o.restart)
	if err != nil {
		return nil, err
	}
	hc.RestartPolicy = rp
	if o.autoRemove && rp.Name != "" && rp.Name != container.RestartPolicyDisabled {
		return nil, fmt.Errorf("conflicting options: cannot specify both --restart and --rm")
	}
	if len(o.logOpts) > 0 {
		hc.LogConfig.Config = opts.ParseLabels(o.logOpts)
	}
	for _, h := range o.addHost {
		v, err := opts.ValidateExtraHost(h)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for \"--add-host\" flag: %w", h, err)
		}
		hc.ExtraHosts = append(hc.ExtraHosts, v)
	}
	for _, d := range o.dns {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return nil, fmt.Errorf("%s is not an ip address", d)
		}
		hc.DNS = append(hc.DNS, a)
	}

	// Resources.
	r := &hc.Resources
	r.Memory, r.MemorySwap, r.MemoryReservation = int64(o.memory), int64(o.memorySwap), int64(o.memoryReservation)
	if o.memorySwappiness != -1 {
		v := o.memorySwappiness
		r.MemorySwappiness = &v
	}
	if changed("oom-kill-disable") {
		v := o.oomKillDisable
		r.OomKillDisable = &v
	}
	r.NanoCPUs = int64(o.cpus)
	r.CPUShares, r.CPUPeriod, r.CPUQuota = o.cpuShares, o.cpuPeriod, o.cpuQuota
	r.CpusetCpus, r.CpusetMems = o.cpusetCpus, o.cpusetMems
	r.BlkioWeight = o.blkioWeight
	r.CgroupParent = o.cgroupParent
	if changed("pids-limit") {
		v := o.pidsLimit
		r.PidsLimit = &v
	}
	hc.ShmSize = int64(o.shmSize)
	for _, u := range o.ulimits {
		ul, err := opts.ParseUlimit(u)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for \"--ulimit\" flag: %w", u, err)
		}
		r.Ulimits = append(r.Ulimits, ul)
	}
	for _, d := range o.devices {
		dm, err := parseDevice(d)
		if err != nil {
			return nil, err
		}
		r.Devices = append(r.Devices, dm)
	}
	r.DeviceCgroupRules = o.deviceRules
	if len(o.sysctls) > 0 {
		hc.Sysctls = map[string]string{}
		for _, s := range o.sysctls {
			k, v, ok := strings.Cut(s, "=")
			if !ok {
				return nil, fmt.Errorf("invalid argument %q for \"--sysctl\" flag: sysctl '%s' is not allowed", s, s)
			}
			hc.Sysctls[k] = v
		}
	}
	if hc.SecurityOpt, err = parseSecurityOpts(o.securityOpt); err != nil {
		return nil, err
	}

	// Storage.
	for _, v := range o.volumes {
		anon, bind, err := opts.ParseVolume(v)
		if err != nil {
			return nil, err
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
	for _, m := range o.mounts {
		mm, err := opts.ParseMount(m)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for \"--mount\" flag: %w", m, err)
		}
		hc.Mounts = append(hc.Mounts, mm)
	}
	for _, t := range o.tmpfs {
		p, optsStr, err := opts.ParseTmpfs(t)
		if err != nil {
			return nil, err
		}
		if hc.Tmpfs == nil {
			hc.Tmpfs = map[string]string{}
		}
		hc.Tmpfs[p] = optsStr
	}

	// Ports.
	exposed, bindings, err := opts.ParsePublish(o.publish)
	if err != nil {
		return nil, err
	}
	if err := opts.ParseExpose(o.expose, exposed); err != nil {
		return nil, err
	}
	if len(exposed) > 0 {
		cfg.ExposedPorts = exposed
	}
	if len(bindings) > 0 {
		hc.PortBindings = bindings
	}

	hcfg, err := parseHealth(o)
	if err != nil {
		return nil, err
	}
	cfg.Healthcheck = hcfg

	req := &containerRequest{Config: cfg, HostConfig: hc, Name: o.name}
	netName := o.network
	if netName == "" && o.macAddress != "" {
		netName = "default" // the docker CLI's key for the default network
	}
	if netName != "" && !container.NetworkMode(netName).IsHost() && !container.NetworkMode(netName).IsNone() &&
		(o.ip != "" || o.ip6 != "" || len(o.networkAlias) > 0 || o.macAddress != "") {
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
		req.Networking = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{netName: ep}}
	}
	return req, nil
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
