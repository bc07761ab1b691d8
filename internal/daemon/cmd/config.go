package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/docker/go-units"

	"github.com/berth/berth/internal/daemon"
	"github.com/berth/berth/internal/logger"
)

// fileConfig is /etc/berth/daemon.json: the subset of dockerd's keys berth
// reads. Unknown keys are an error, as in dockerd.
type fileConfig struct {
	Hosts               []string                  `json:"hosts,omitempty"`
	DataRoot            string                    `json:"data-root,omitempty"`
	ExecRoot            string                    `json:"exec-root,omitempty"`
	LogLevel            string                    `json:"log-level,omitempty"`
	Debug               *bool                     `json:"debug,omitempty"`
	Runtimes            map[string]daemon.Runtime `json:"runtimes,omitempty"`
	DefaultRuntime      string                    `json:"default-runtime,omitempty"`
	Group               string                    `json:"group,omitempty"`
	Pidfile             string                    `json:"pidfile,omitempty"`
	CgroupParent        string                    `json:"cgroup-parent,omitempty"`
	ICC                 *bool                     `json:"icc,omitempty"`
	Bridge              string                    `json:"bridge,omitempty"`
	LiveRestore         *bool                     `json:"live-restore,omitempty"`
	StorageDriver       string                    `json:"storage-driver,omitempty"`
	Experimental        *bool                     `json:"experimental,omitempty"`
	TLS                 *bool                     `json:"tls,omitempty"`
	TLSVerify           *bool                     `json:"tlsverify,omitempty"`
	TLSCACert           string                    `json:"tlscacert,omitempty"`
	TLSCert             string                    `json:"tlscert,omitempty"`
	TLSKey              string                    `json:"tlskey,omitempty"`
	DNS                 []string                  `json:"dns,omitempty"`
	DNSSearch           []string                  `json:"dns-search,omitempty"`
	DNSOpts             []string                  `json:"dns-opts,omitempty"`
	HostGatewayIP       string                    `json:"host-gateway-ip,omitempty"`
	DefaultAddressPools []addressPool             `json:"default-address-pools,omitempty"`
	ShutdownTimeout     *int                      `json:"shutdown-timeout,omitempty"`
	Labels              []string                  `json:"labels,omitempty"`
	Init                *bool                     `json:"init,omitempty"`
	DefaultShmSize      string                    `json:"default-shm-size,omitempty"`
	DefaultUlimits      map[string]*units.Ulimit  `json:"default-ulimits,omitempty"`
	LogDriver           string                    `json:"log-driver,omitempty"`
	LogOpts             map[string]string         `json:"log-opts,omitempty"`
	EventsRingSize      *int                      `json:"events-ring-size,omitempty"`
	BIP                 string                    `json:"bip,omitempty"`
	FixedCIDR           string                    `json:"fixed-cidr,omitempty"`
	Features            map[string]bool           `json:"features,omitempty"`
	CRISocket           *string                   `json:"cri-socket,omitempty"`
	CRIStreamAddress    *string                   `json:"cri-stream-address,omitempty"`
	registryConfig
}

// flagNames maps config-file keys to the flags that set the same option.
var flagNames = map[string]string{
	"hosts": "host", "data-root": "data-root", "exec-root": "exec-root", "log-level": "log-level",
	"debug": "debug", "default-runtime": "default-runtime", "group": "group", "pidfile": "pidfile",
	"cgroup-parent": "cgroup-parent", "bridge": "bridge", "icc": "icc", "tls": "tls", "tlsverify": "tlsverify", "tlscacert": "tlscacert",
	"tlscert": "tlscert", "tlskey": "tlskey",
	"dns": "dns", "dns-search": "dns-search", "dns-opts": "dns-opt", "host-gateway-ip": "host-gateway-ip",
	"default-address-pools": "default-address-pool", "bip": "bip", "fixed-cidr": "fixed-cidr", "cri-socket": "cri-socket",
	"cri-stream-address": "cri-stream-address",
}

// loadConfigFile reads path; a missing file is an empty config (unless
// required), a malformed one a clear error. It returns the keys present.
func loadConfigFile(path string, required bool) (*fileConfig, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !required {
			return &fileConfig{}, nil, nil
		}
		return nil, nil, fmt.Errorf("read configuration file %s: %w", path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &fileConfig{}, nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("unable to configure the daemon with file %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil {
		known := map[string]bool{}
		for _, k := range []string{"hosts", "data-root", "exec-root", "log-level", "debug", "runtimes", "default-runtime", "group", "pidfile", "cgroup-parent", "icc", "bridge", "live-restore", "storage-driver", "experimental", "tls", "tlsverify", "tlscacert", "tlscert", "tlskey", "dns", "dns-search", "dns-opts", "host-gateway-ip", "max-concurrent-downloads", "max-concurrent-uploads", "insecure-registries", "registry-mirrors", "certs-dir", "default-address-pools", "shutdown-timeout", "labels", "init", "default-shm-size", "default-ulimits", "log-driver", "log-opts", "events-ring-size", "bip", "fixed-cidr", "features", "cri-socket", "cri-stream-address"} {
			known[k] = true
		}
		var unknown []string
		for k := range raw {
			if !known[k] {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return nil, nil, fmt.Errorf("unable to configure the daemon with file %s: the following directives don't match any configuration option: %s", path, strings.Join(unknown, ", "))
		}
		return nil, nil, fmt.Errorf("unable to configure the daemon with file %s: %w", path, err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &fc, keys, nil
}

// applyDefaults puts the file's container defaults and shutdown settings
// into cfg, checking their values with dockerd's words.
func (fc *fileConfig) applyDefaults(cfg *daemon.Config) error {
	cfg.LiveRestore = fc.LiveRestore == nil || *fc.LiveRestore
	cfg.ShutdownTimeout = daemon.DefaultShutdownTimeout
	if fc.ShutdownTimeout != nil {
		cfg.ShutdownTimeout = *fc.ShutdownTimeout
	}
	for _, l := range fc.Labels {
		if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
			return fmt.Errorf("failed to validate configuration: bad attribute format: %s", l)
		}
	}
	cfg.Labels = fc.Labels
	cfg.Init = fc.Init != nil && *fc.Init
	if fc.DefaultShmSize != "" {
		n, err := units.RAMInBytes(fc.DefaultShmSize)
		if err != nil || n <= 0 {
			return fmt.Errorf("invalid default-shm-size %q: %v", fc.DefaultShmSize, err)
		}
		cfg.DefaultShmSize = n
	}
	for name, u := range fc.DefaultUlimits {
		if u == nil || u.Name != name {
			return fmt.Errorf("failed to validate configuration: default-ulimits: name of ulimit %q does not match its key", name)
		}
		if _, err := units.ParseUlimit(fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard)); err != nil {
			return fmt.Errorf("failed to validate configuration: default-ulimits: %w", err)
		}
		cfg.DefaultUlimits = append(cfg.DefaultUlimits, u)
	}
	sort.Slice(cfg.DefaultUlimits, func(i, j int) bool { return cfg.DefaultUlimits[i].Name < cfg.DefaultUlimits[j].Name })
	if fc.LogDriver != "" || len(fc.LogOpts) > 0 {
		driver := fc.LogDriver
		if driver == "" {
			driver = logger.JSONFile
		}
		if err := logger.Validate(driver, fc.LogOpts); err != nil {
			return fmt.Errorf("failed to set log opts: %w", err)
		}
	}
	cfg.LogDriver, cfg.LogOpts = fc.LogDriver, fc.LogOpts
	cfg.Features = fc.Features
	if n := fc.EventsRingSize; n != nil {
		if *n < 1 {
			return fmt.Errorf("invalid events-ring-size %d: must be at least 1", *n)
		}
		cfg.EventsRingSize = *n
	}
	return nil
}
