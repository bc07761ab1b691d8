package cri

import (
	"context"
	"maps"
	"slices"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ContainerStats answers one sample of a container's CPU and memory use.
func (s *Server) ContainerStats(ctx context.Context, req *runtimeapi.ContainerStatsRequest) (*runtimeapi.ContainerStatsResponse, error) {
	c, err := s.find(ctx, req.GetContainerId(), kindContainer)
	if err != nil {
		return nil, toStatus(err)
	}
	st, err := s.stats(ctx, c)
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.ContainerStatsResponse{Stats: st}, nil
}

// ListContainerStats answers a sample of each running container the
// filter matches.
func (s *Server) ListContainerStats(ctx context.Context, req *runtimeapi.ListContainerStatsRequest) (*runtimeapi.ListContainerStatsResponse, error) {
	all, err := s.listMatching(ctx, kindContainer, req.GetFilter())
	if err != nil {
		return nil, err
	}
	out := []*runtimeapi.ContainerStats{}
	for _, c := range all {
		if c.State != containertypes.StateRunning {
			continue
		}
		if st, err := s.stats(ctx, c); err == nil {
			out = append(out, st)
		}
	}
	return &runtimeapi.ListContainerStatsResponse{Stats: out}, nil
}

// stats is one sample of c's use, from its cgroup.
func (s *Server) stats(ctx context.Context, c containertypes.Summary) (*runtimeapi.ContainerStats, error) {
	sample, err := s.sample(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return containerStats(c, sample), nil
}

// sample is one reading of the cgroup (and network) use of container id;
// nil when there is none.
func (s *Server) sample(ctx context.Context, id string) (*containertypes.StatsResponse, error) {
	var sample *containertypes.StatsResponse
	err := s.cfg.Containers.ContainerStats(ctx, id, false, true, func(r *containertypes.StatsResponse) error {
		sample = r
		return nil
	})
	return sample, err
}

// containerStats are c's CPU and memory use in the sample.
func containerStats(c containertypes.Summary, sample *containertypes.StatsResponse) *runtimeapi.ContainerStats {
	attrs := &runtimeapi.ContainerAttributes{Id: c.ID, Metadata: &runtimeapi.ContainerMetadata{}, Labels: userLabels(c.Labels), Annotations: annotations(c.Labels)}
	decode(c.Labels, labelMetadata, attrs.Metadata)
	st := &runtimeapi.ContainerStats{Attributes: attrs}
	if sample != nil {
		st.Cpu, st.Memory = usage(sample)
	}
	return st
}

// usage is a sample's CPU and memory use: the working set is the usage
// less the inactive file cache, as the kubelet counts it.
func usage(sample *containertypes.StatsResponse) (*runtimeapi.CpuUsage, *runtimeapi.MemoryUsage) {
	ts := sample.Read.UnixNano()
	m := sample.MemoryStats
	ws := m.Usage
	for _, k := range []string{"inactive_file", "total_inactive_file"} {
		if v, ok := m.Stats[k]; ok && v < ws {
			ws -= v
			break
		}
	}
	return &runtimeapi.CpuUsage{Timestamp: ts, UsageCoreNanoSeconds: &runtimeapi.UInt64Value{Value: sample.CPUStats.CPUUsage.TotalUsage}},
		&runtimeapi.MemoryUsage{Timestamp: ts, WorkingSetBytes: &runtimeapi.UInt64Value{Value: ws}, UsageBytes: &runtimeapi.UInt64Value{Value: m.Usage}}
}

// PodSandboxStats answers one sample of a ready pod's use.
func (s *Server) PodSandboxStats(ctx context.Context, req *runtimeapi.PodSandboxStatsRequest) (*runtimeapi.PodSandboxStatsResponse, error) {
	sb, err := s.readySandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, toStatus(err)
	}
	ctrs, err := s.list(ctx, kindContainer)
	if err != nil {
		return nil, toStatus(err)
	}
	st, err := s.podStats(ctx, sb, ctrs)
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.PodSandboxStatsResponse{Stats: st}, nil
}

// ListPodSandboxStats answers a sample of each ready pod the filter
// matches.
func (s *Server) ListPodSandboxStats(ctx context.Context, req *runtimeapi.ListPodSandboxStatsRequest) (*runtimeapi.ListPodSandboxStatsResponse, error) {
	sbs, err := s.list(ctx, kindSandbox)
	if err != nil {
		return nil, toStatus(err)
	}
	ctrs, err := s.list(ctx, kindContainer)
	if err != nil {
		return nil, toStatus(err)
	}
	f := req.GetFilter()
	out := []*runtimeapi.PodSandboxStats{}
	for _, sb := range sbs {
		if sb.State != containertypes.StateRunning || f != nil && (!strings.HasPrefix(sb.ID, f.GetId()) || !matchLabels(userLabels(sb.Labels), f.GetLabelSelector())) {
			continue
		}
		if st, err := s.podStats(ctx, sb, ctrs); err == nil {
			out = append(out, st)
		}
	}
	return &runtimeapi.ListPodSandboxStatsResponse{Stats: out}, nil
}

// podStats is one sample of the pod sb: the network of its infra
// container, and the CPU, memory and processes of the infra container and
// of its running containers (among ctrs) added up, each container's own
// too.
func (s *Server) podStats(ctx context.Context, sb containertypes.Summary, ctrs []containertypes.Summary) (*runtimeapi.PodSandboxStats, error) {
	infra, err := s.sample(ctx, sb.ID)
	if err != nil {
		return nil, err
	}
	attrs := &runtimeapi.PodSandboxAttributes{Id: sb.ID, Metadata: &runtimeapi.PodSandboxMetadata{}, Labels: userLabels(sb.Labels), Annotations: annotations(sb.Labels)}
	decode(sb.Labels, labelMetadata, attrs.Metadata)
	st := &runtimeapi.PodSandboxStats{Attributes: attrs, Linux: &runtimeapi.LinuxPodSandboxStats{}}
	if infra == nil {
		return st, nil
	}
	ls := st.Linux
	ts := infra.Read.UnixNano()
	ls.Cpu, ls.Memory = usage(infra)
	ls.Network = networkUsage(ts, infra.Networks)
	ls.Process = &runtimeapi.ProcessUsage{Timestamp: ts, ProcessCount: &runtimeapi.UInt64Value{Value: infra.PidsStats.Current}}
	for _, c := range ctrs {
		if c.Labels[labelSandbox] != sb.ID || c.State != containertypes.StateRunning {
			continue
		}
		sample, err := s.sample(ctx, c.ID)
		if err != nil || sample == nil {
			continue // stopped since the list
		}
		cs := containerStats(c, sample)
		ls.Containers = append(ls.Containers, cs)
		ls.Cpu.UsageCoreNanoSeconds.Value += cs.Cpu.UsageCoreNanoSeconds.Value
		ls.Memory.WorkingSetBytes.Value += cs.Memory.WorkingSetBytes.Value
		ls.Memory.UsageBytes.Value += cs.Memory.UsageBytes.Value
		ls.Process.ProcessCount.Value += sample.PidsStats.Current
	}
	return st, nil
}

// networkUsage is the use of a pod's interfaces, eth0 its default.
func networkUsage(ts int64, nets map[string]containertypes.NetworkStats) *runtimeapi.NetworkUsage {
	nu := &runtimeapi.NetworkUsage{Timestamp: ts}
	names := slices.Sorted(maps.Keys(nets))
	for _, name := range names {
		n := nets[name]
		iu := &runtimeapi.NetworkInterfaceUsage{
			Name: name, RxBytes: &runtimeapi.UInt64Value{Value: n.RxBytes}, RxErrors: &runtimeapi.UInt64Value{Value: n.RxErrors},
			TxBytes: &runtimeapi.UInt64Value{Value: n.TxBytes}, TxErrors: &runtimeapi.UInt64Value{Value: n.TxErrors},
		}
		if name == "eth0" {
			nu.DefaultInterface = iu
		} else {
			nu.Interfaces = append(nu.Interfaces, iu)
		}
	}
	return nu
}
