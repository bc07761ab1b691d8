package compose

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
)

// The labels docker compose puts on what it creates; both tools find a
// project's resources by them.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelNumber      = "com.docker.compose.container-number"
	LabelVolume      = "com.docker.compose.volume"
	LabelNetwork     = "com.docker.compose.network"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelSlug        = "com.docker.compose.slug"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelVersion     = "com.docker.compose.version"
	LabelReplace     = "com.docker.compose.replace"
	LabelImage       = "com.docker.compose.image" // the ID of the image the container was made from
)

// Version is the compose version berth's labels claim: the docker compose
// release whose behaviour berth follows.
const Version = "2.40.3"

func projectLabels(p *types.Project, service string) types.Labels {
	return types.Labels{
		LabelProject:     p.Name,
		LabelService:     service,
		LabelVersion:     Version,
		LabelWorkingDir:  p.WorkingDir,
		LabelConfigFiles: strings.Join(p.ComposeFiles, ","),
		LabelOneoff:      "False",
	}
}

// ServiceHash is the configuration hash of a service as docker compose
// computes it: the SHA-256 of the JSON of the service without what does
// not need a new container (build, pull policy, scale, replicas,
// dependencies, profiles).
func ServiceHash(s types.ServiceConfig) (string, error) {
	s.Build = nil
	s.PullPolicy = ""
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	s.DependsOn = nil
	s.Profiles = nil
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	if b, err = inComposeOrder(b, s.Volumes); err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// composeOrder is the order of the service's JSON keys in the compose-go
// docker compose 2.40 is built with (v2.9.1); the compose-go berth uses
// declares the same fields in another order, which would give every
// service another hash.
var composeOrder = []string{
	"profiles", "annotations", "attach", "build", "develop", "blkio_config", "cap_add", "cap_drop",
	"cgroup_parent", "cgroup", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
	"cpu_rt_runtime", "cpus", "cpuset", "cpu_shares", "command", "configs", "container_name",
	"credential_spec", "depends_on", "deploy", "device_cgroup_rules", "devices", "dns", "dns_opt",
	"dns_search", "dockerfile", "domainname", "entrypoint", "provider", "environment", "env_file",
	"expose", "extends", "external_links", "extra_hosts", "group_add", "gpus", "hostname",
	"healthcheck", "image", "init", "ipc", "isolation", "labels", "label_file", "links", "logging",
	"log_driver", "log_opt", "mem_limit", "mem_reservation", "memswap_limit", "mem_swappiness",
	"mac_address", "models", "net", "network_mode", "networks", "oom_kill_disable", "oom_score_adj",
	"pid", "pids_limit", "platform", "ports", "privileged", "pull_policy", "read_only", "restart",
	"runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period",
	"stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user",
	"userns_mode", "uts", "volume_driver", "volumes", "volumes_from", "working_dir", "post_start",
	"pre_stop",
}

// inComposeOrder rewrites a service's JSON object with its keys in
// composeOrder (keys it does not name last, sorted).
func inComposeOrder(b []byte, volumes []types.ServiceVolumeConfig) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(volumes) > 0 {
		vb, err := json.Marshal(volumesV291(volumes))
		if err != nil {
			return nil, err
		}
		m["volumes"] = vb
	}
	keys := make([]string, 0, len(m))
	known := map[string]bool{}
	for _, k := range composeOrder {
		known[k] = true
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	var out bytes.Buffer
	out.WriteByte('{')
	for i, k := range append(keys, rest...) {
		if i > 0 {
			out.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(m[k])
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// projectFilter selects a project's resources, and of those, with more
// label=value pairs, a subset.
func projectFilter(project string, more ...string) client.Filters {
	f := client.Filters{}.Add("label", LabelProject+"="+project)
	for _, m := range more {
		f.Add("label", m)
	}
	return f
}

func number(labels map[string]string) int {
	n, _ := strconv.Atoi(labels[LabelNumber])
	return n
}

// volumeV291 is a service volume as compose-go v2.9.1 writes it in JSON:
// there create_host_path is a plain bool, written when true, where the
// later compose-go writes it only when false.
type volumeV291 struct {
	Type        string                     `json:"type,omitempty"`
	Source      string                     `json:"source,omitempty"`
	Target      string                     `json:"target,omitempty"`
	ReadOnly    bool                       `json:"read_only,omitempty"`
	Consistency string                     `json:"consistency,omitempty"`
	Bind        *bindV291                  `json:"bind,omitempty"`
	Volume      *types.ServiceVolumeVolume `json:"volume,omitempty"`
	Tmpfs       *types.ServiceVolumeTmpfs  `json:"tmpfs,omitempty"`
	Image       *types.ServiceVolumeImage  `json:"image,omitempty"`
}

type bindV291 struct {
	SELinux        string `json:"selinux,omitempty"`
	Propagation    string `json:"propagation,omitempty"`
	CreateHostPath bool   `json:"create_host_path,omitempty"`
	Recursive      string `json:"recursive,omitempty"`
}

func volumesV291(vs []types.ServiceVolumeConfig) []volumeV291 {
	out := make([]volumeV291, len(vs))
	for i, v := range vs {
		out[i] = volumeV291{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly,
			Consistency: v.Consistency, Volume: v.Volume, Tmpfs: v.Tmpfs, Image: v.Image}
		if b := v.Bind; b != nil {
			out[i].Bind = &bindV291{SELinux: b.SELinux, Propagation: b.Propagation, CreateHostPath: bool(b.CreateHostPath), Recursive: b.Recursive}
		}
	}
	return out
}
