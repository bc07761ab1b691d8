package compose

import (
	"fmt"
	"net/netip"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerName is the name of a service's nth container:
// <project>-<service>-<n>, or its container_name.
func ContainerName(p *types.Project, s types.ServiceConfig, n int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return fmt.Sprintf("%s-%s-%d", p.Name, s.Name, n)
}

// ImageName is the image a service runs: its image, or for a service
// with only a build section, <project>-<service>.
func ImageName(p *types.Project, s types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return p.Name + "-" + s.Name
}

// createOptions is the create request of a service's container number n.
func createOptions(p *types.Project, s types.ServiceConfig, n int, hash string) (client.ContainerCreateOptions, error) {
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range s.CustomLabels {
		labels[k] = v
	}
	labels[LabelNumber] = strconv.Itoa(n)
	labels[LabelConfigHash] = hash
	labels[LabelDependsOn] = dependsOnLabel(s)
	cfg := &container.Config{
		Image:      ImageName(p, s),
		Cmd:        s.Command,
		Entrypoint: s.Entrypoint,
		Env:        envList(s.Environment),
		Labels:     labels,
		User:       s.User,
		WorkingDir: s.WorkingDir,
		Hostname:   s.Hostname,
		StopSignal: s.StopSignal,
		Tty:        s.Tty,
		OpenStdin:  s.StdinOpen,
		Domainname: s.DomainName,
	}
	if s.StopGracePeriod != nil {
		t := int(time.Duration(*s.StopGracePeriod).Seconds())
		cfg.StopTimeout = &t
	}
	cfg.Healthcheck = healthConfig(s.HealthCheck)
	ports, bindings, err := portConfig(s)
	if err != nil {
		return client.ContainerCreateOptions{}, err
	}
	cfg.ExposedPorts = ports
	hc, err := hostConfig(p, s)
	if err != nil {
		return client.ContainerCreateOptions{}, err
	}
	hc.PortBindings = bindings
	nc, err := primaryNetwork(p, s, hc)
	if err != nil {
		return client.ContainerCreateOptions{}, err
	}
	return client.ContainerCreateOptions{Name: ContainerName(p, s, n), Config: cfg, HostConfig: hc, NetworkingConfig: nc}, nil
}

func dependsOnLabel(s types.ServiceConfig) string {
	var deps []string
	for name, d := range s.DependsOn {
		deps = append(deps, fmt.Sprintf("%s:%s:%t", name, d.Condition, d.Restart))
	}
	sort.Strings(deps)
	return strings.Join(deps, ",")
}

func envList(env types.MappingWithEquals) []string {
	var out []string
	for k, v := range env {
		if v != nil {
			out = append(out, k+"="+*v)
		}
	}
	sort.Strings(out)
	return out
}

func healthConfig(h *types.HealthCheckConfig) *container.HealthConfig {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &container.HealthConfig{Test: []string{"NONE"}}
	}
	d := func(p *types.Duration) time.Duration {
		if p == nil {
			return 0
		}
		return time.Duration(*p)
	}
	hc := &container.HealthConfig{Test: h.Test, Interval: d(h.Interval), Timeout: d(h.Timeout),
		StartPeriod: d(h.StartPeriod), StartInterval: d(h.StartInterval)}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	return hc
}

// portConfig is the exposed ports and published bindings of ports and expose.
func portConfig(s types.ServiceConfig) (network.PortSet, network.PortMap, error) {
	exposed, bindings := network.PortSet{}, network.PortMap{}
	for _, pc := range s.Ports {
		proto := pc.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port, err := network.ParsePort(fmt.Sprintf("%d/%s", pc.Target, proto))
		if err != nil {
			return nil, nil, err
		}
		exposed[port] = struct{}{}
		b := network.PortBinding{HostPort: pc.Published}
		if pc.HostIP != "" {
			if b.HostIP, err = netip.ParseAddr(pc.HostIP); err != nil {
				return nil, nil, fmt.Errorf("service %s: host_ip %q: %w", s.Name, pc.HostIP, err)
			}
		}
		bindings[port] = append(bindings[port], b)
	}
	for _, e := range s.Expose {
		if !strings.Contains(e, "/") {
			e += "/tcp"
		}
		pr, err := network.ParsePortRange(e)
		if err != nil {
			return nil, nil, fmt.Errorf("service %s: expose %q: %w", s.Name, e, err)
		}
		for port := range pr.All() {
			exposed[port] = struct{}{}
		}
	}
	return exposed, bindings, nil
}

func hostConfig(p *types.Project, s types.ServiceConfig) (*container.HostConfig, error) {
	hc := &container.HostConfig{
		CapAdd:         s.CapAdd,
		CapDrop:        s.CapDrop,
		Privileged:     s.Privileged,
		Init:           s.Init,
		ExtraHosts:     s.ExtraHosts.AsList(":"),
		DNS:            dnsAddrs(s.DNS),
		DNSSearch:      s.DNSSearch,
		DNSOptions:     s.DNSOpts,
		ReadonlyRootfs: s.ReadOnly,
		SecurityOpt:    s.SecurityOpt,
		Sysctls:        s.Sysctls,
		GroupAdd:       s.GroupAdd,
		ShmSize:        int64(s.ShmSize),
		Tmpfs:          map[string]string{},
		RestartPolicy:  restartPolicy(s.Restart),
	}
	for _, t := range s.Tmpfs {
		dst, opts, _ := strings.Cut(t, ":")
		hc.Tmpfs[dst] = opts
	}
	hc.Memory = int64(s.MemLimit)
	hc.NanoCPUs = int64(s.CPUS * 1e9)
	hc.PidsLimit = pidsLimit(s.PidsLimit)
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				hc.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				hc.NanoCPUs = int64(float64(l.NanoCPUs) * 1e9)
			}
		}
	}
	for name, u := range s.Ulimits {
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		hc.Ulimits = append(hc.Ulimits, &container.Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	if s.Logging != nil {
		hc.LogConfig = container.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	}
	if err := mounts(p, s, hc); err != nil {
		return nil, err
	}
	return hc, nil
}

func pidsLimit(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func dnsAddrs(l []string) []netip.Addr {
	var out []netip.Addr
	for _, a := range l {
		if ip, err := netip.ParseAddr(a); err == nil {
			out = append(out, ip)
		}
	}
	return out
}

func restartPolicy(r string) container.RestartPolicy {
	name, max, _ := strings.Cut(r, ":")
	rp := container.RestartPolicy{Name: container.RestartPolicyMode(name)}
	if name == "" {
		rp.Name = container.RestartPolicyDisabled
	}
	rp.MaximumRetryCount, _ = strconv.Atoi(max)
	return rp
}

// mounts adds a service's volumes (bind, named, anonymous, tmpfs), and
// its file-based secrets and configs as read-only binds.
func mounts(p *types.Project, s types.ServiceConfig, hc *container.HostConfig) error {
	for _, v := range s.Volumes {
		switch v.Type {
		case types.VolumeTypeBind:
			bind := v.Source + ":" + v.Target
			if v.ReadOnly {
				bind += ":ro"
			}
			hc.Binds = append(hc.Binds, bind)
		case types.VolumeTypeVolume:
			m := mount.Mount{Type: mount.TypeVolume, Target: v.Target, ReadOnly: v.ReadOnly}
			if v.Source != "" {
				decl, ok := p.Volumes[v.Source]
				if !ok {
					return fmt.Errorf("service %q refers to undefined volume %s", s.Name, v.Source)
				}
				m.Source = decl.Name
			}
			if v.Volume != nil && v.Volume.NoCopy {
				m.VolumeOptions = &mount.VolumeOptions{NoCopy: true}
			}
			hc.Mounts = append(hc.Mounts, m)
		case types.VolumeTypeTmpfs:
			m := mount.Mount{Type: mount.TypeTmpfs, Target: v.Target, ReadOnly: v.ReadOnly}
			if v.Tmpfs != nil {
				m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(v.Tmpfs.Size)}
			}
			hc.Mounts = append(hc.Mounts, m)
		default:
			return fmt.Errorf("service %s: volume type %q is not supported", s.Name, v.Type)
		}
	}
	secrets := map[string]string{}
	for name, sec := range p.Secrets {
		secrets[name] = sec.File
	}
	configs := map[string]string{}
	for name, c := range p.Configs {
		configs[name] = c.File
	}
	for _, sec := range s.Secrets {
		b, err := fileBind(s.Name, "secret", types.FileReferenceConfig(sec), secrets, "/run/secrets/")
		if err != nil {
			return err
		}
		hc.Binds = append(hc.Binds, b)
	}
	for _, c := range s.Configs {
		b, err := fileBind(s.Name, "config", types.FileReferenceConfig(c), configs, "/")
		if err != nil {
			return err
		}
		hc.Binds = append(hc.Binds, b)
	}
	return nil
}

// fileBind is the read-only bind of a file-based secret or config (files
// maps the project's to their files): at its target, by default its name
// under dir.
func fileBind(service, kind string, ref types.FileReferenceConfig, files map[string]string, dir string) (string, error) {
	file := files[ref.Source]
	if file == "" {
		return "", fmt.Errorf("service %s: %s %q is not a file-based %s of the project", service, kind, ref.Source, kind)
	}
	target := ref.Target
	if target == "" {
		target = ref.Source
	}
	if !path.IsAbs(target) {
		target = dir + target
	}
	return file + ":" + target + ":ro", nil
}

// serviceNetworks is a service's networks, primary first (by priority,
// then name), as (key, config) pairs.
func serviceNetworks(s types.ServiceConfig) []string {
	keys := make([]string, 0, len(s.Networks))
	for k := range s.Networks {
		keys = append(keys, k)
	}
	prio := func(k string) int {
		if c := s.Networks[k]; c != nil {
			return c.Priority
		}
		return 0
	}
	sort.Slice(keys, func(i, j int) bool {
		if prio(keys[i]) != prio(keys[j]) {
			return prio(keys[i]) > prio(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys
}

// endpoint is a service's endpoint settings on network key: the service
// name and the configured aliases, and a fixed address.
func endpoint(s types.ServiceConfig, key string) (*network.EndpointSettings, error) {
	es := &network.EndpointSettings{Aliases: []string{s.Name}}
	c := s.Networks[key]
	if c == nil {
		return es, nil
	}
	es.Aliases = append(es.Aliases, c.Aliases...)
	if c.Ipv4Address != "" {
		ip, err := netip.ParseAddr(c.Ipv4Address)
		if err != nil {
			return nil, fmt.Errorf("service %s: ipv4_address %q: %w", s.Name, c.Ipv4Address, err)
		}
		es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: ip}
	}
	return es, nil
}

// primaryNetwork sets the network mode and the create request's endpoint
// on the first of the service's networks; the others are connected
// before the start (connectOthers).
func primaryNetwork(p *types.Project, s types.ServiceConfig, hc *container.HostConfig) (*network.NetworkingConfig, error) {
	if s.NetworkMode != "" {
		hc.NetworkMode = container.NetworkMode(s.NetworkMode)
		return nil, nil
	}
	keys := serviceNetworks(s)
	if len(keys) == 0 {
		hc.NetworkMode = "none"
		return nil, nil
	}
	name := p.Networks[keys[0]].Name
	hc.NetworkMode = container.NetworkMode(name)
	es, err := endpoint(s, keys[0])
	if err != nil {
		return nil, err
	}
	return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{name: es}}, nil
}
