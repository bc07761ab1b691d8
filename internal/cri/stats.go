package cri

import (
	"context"

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
	var sample *containertypes.StatsResponse
	err := s.cfg.Containers.ContainerStats(ctx, c.ID, false, true, func(r *containertypes.StatsResponse) error {
		sample = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	attrs := &runtimeapi.ContainerAttributes{Id: c.ID, Metadata: &runtimeapi.ContainerMetadata{}, Labels: userLabels(c.Labels), Annotations: annotations(c.Labels)}
	decode(c.Labels, labelMetadata, attrs.Metadata)
	st := &runtimeapi.ContainerStats{Attributes: attrs}
	if sample == nil {
		return st, nil
	}
	ts := sample.Read.UnixNano()
	st.Cpu = &runtimeapi.CpuUsage{Timestamp: ts, UsageCoreNanoSeconds: &runtimeapi.UInt64Value{Value: sample.CPUStats.CPUUsage.TotalUsage}}
	m := sample.MemoryStats
	ws := m.Usage
	for _, k := range []string{"inactive_file", "total_inactive_file"} {
		if v, ok := m.Stats[k]; ok && v < ws {
			ws -= v
			break
		}
	}
	st.Memory = &runtimeapi.MemoryUsage{Timestamp: ts, WorkingSetBytes: &runtimeapi.UInt64Value{Value: ws}, UsageBytes: &runtimeapi.UInt64Value{Value: m.Usage}}
	return st, nil
}
