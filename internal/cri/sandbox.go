package cri

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/cri/cni"
	"github.com/berth/berth/internal/errdefs"
)

// sandboxName is the berth name of a pod sandbox, unique per pod attempt
// (the kubelet's dockershim naming).
func sandboxName(m *runtimeapi.PodSandboxMetadata) string {
	return fmt.Sprintf("k8s_POD_%s_%s_%s_%d", m.GetName(), m.GetNamespace(), m.GetUid(), m.GetAttempt())
}

// RunPodSandbox creates and starts a pod's infra container: berth's init
// with no command on an empty root, in its own IPC and UTS namespaces,
// with the pod's hostname and DNS configuration, and in its own network
// namespace which the CNI plugins connect (or in the host's).
func (s *Server) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	pc := req.GetConfig()
	if pc.GetMetadata() == nil {
		return nil, toStatus(errdefs.InvalidParameter(fmt.Errorf("sandbox config must have metadata")))
	}
	if h := req.GetRuntimeHandler(); h != "" {
		return nil, toStatus(errdefs.InvalidParameter(fmt.Errorf("runtime handler %q is not supported", h)))
	}
	labels := record(kindSandbox, pc.GetLabels(), pc.GetAnnotations(), pc.GetMetadata())
	labels[labelLogDir] = pc.GetLogDirectory()
	ns := pc.GetLinux().GetSecurityContext().GetNamespaceOptions()
	labels[labelConfig] = mustJSON(ns)
	cfg := &containertypes.Config{Hostname: pc.GetHostname(), Labels: labels}
	hc := &containertypes.HostConfig{
		NetworkMode: "none",
		LogConfig:   containertypes.LogConfig{Type: "none"},
		Sysctls:     pc.GetLinux().GetSysctls(),
	}
	// The kubelet's pod cgroup (cgroupfs), which the containers join too.
	hc.CgroupParent = pc.GetLinux().GetCgroupParent()
	hostNet := ns.GetNetwork() == runtimeapi.NamespaceMode_NODE
	if hostNet {
		hc.NetworkMode, cfg.Hostname = "host", ""
	}
	// The pod's containers join its IPC namespace and share its /dev/shm.
	hc.IpcMode = containertypes.IPCModeShareable
	if ns.GetIpc() == runtimeapi.NamespaceMode_NODE {
		hc.IpcMode = "host"
	}
	if ns.GetPid() == runtimeapi.NamespaceMode_NODE {
		hc.PidMode = "host"
	}
	if dns := pc.GetDnsConfig(); dns != nil {
		for _, a := range dns.GetServers() {
			ip, err := netip.ParseAddr(a)
			if err != nil {
				return nil, toStatus(errdefs.InvalidParameter(fmt.Errorf("DNS server %q: %w", a, err)))
			}
			hc.DNS = append(hc.DNS, ip)
		}
		hc.DNSSearch, hc.DNSOptions = dns.GetSearches(), dns.GetOptions()
	}
	resp, err := s.cfg.Containers.ContainerCreate(ctx, sandboxName(pc.GetMetadata()), containertypes.CreateRequest{Config: cfg, HostConfig: hc},
		backend.ContainerCreateExtensions{Namespace: Namespace, Infra: true})
	if err != nil {
		return nil, toStatus(err)
	}
	err = s.cfg.Containers.ContainerStart(ctx, resp.ID)
	if err == nil && !hostNet {
		err = s.connect(ctx, resp.ID, pc)
	}
	if err != nil {
		_ = s.cfg.Containers.ContainerRemove(context.WithoutCancel(ctx), resp.ID, true, true)
		return nil, toStatus(err)
	}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: resp.ID}, nil
}

// connect has the CNI plugins connect the running sandbox id, its port
// mappings published by the portmap plugin.
func (s *Server) connect(ctx context.Context, id string, pc *runtimeapi.PodSandboxConfig) error {
	in, err := s.cfg.Containers.ContainerInspect(ctx, id, false)
	if err != nil {
		return err
	}
	pod := cniPod(id, pc.GetMetadata())
	pod.NetNS = fmt.Sprintf("/proc/%d/ns/net", in.State.Pid)
	for _, pm := range pc.GetPortMappings() {
		if pm.GetHostPort() == 0 {
			continue
		}
		pod.Ports = append(pod.Ports, cni.Port{
			HostPort: pm.GetHostPort(), ContainerPort: pm.GetContainerPort(),
			Protocol: strings.ToLower(pm.GetProtocol().String()), HostIP: pm.GetHostIp(),
		})
	}
	_, err = s.cfg.Network.Setup(ctx, pod)
	return err
}

// disconnect has the CNI plugins undo what they did for sandbox id (in
// its namespace while it runs); a sandbox never connected is left alone.
func (s *Server) disconnect(ctx context.Context, id string) error {
	in, err := s.cfg.Containers.ContainerInspect(ctx, id, false)
	if err != nil {
		return err
	}
	var m runtimeapi.PodSandboxMetadata
	decode(in.Config.Labels, labelMetadata, &m)
	pod := cniPod(id, &m)
	if in.State.Running {
		pod.NetNS = fmt.Sprintf("/proc/%d/ns/net", in.State.Pid)
	}
	return s.cfg.Network.Teardown(ctx, pod)
}

func cniPod(id string, m *runtimeapi.PodSandboxMetadata) cni.Pod {
	return cni.Pod{ID: id, Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUid()}
}

// StopPodSandbox stops the pod's containers, disconnects its network,
// then stops its infra container. A sandbox that is gone is stopped.
func (s *Server) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	zero := 0
	err := s.eachOfPod(ctx, req.GetPodSandboxId(), func(id string) error {
		if err := s.cfg.Containers.ContainerStop(ctx, id, "", &zero); !stopped(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// RemovePodSandbox removes the pod's containers, disconnects its network
// (if a stop did not) and removes its infra container, running or not. A
// sandbox that is gone is removed.
func (s *Server) RemovePodSandbox(ctx context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	err := s.eachOfPod(ctx, req.GetPodSandboxId(), func(id string) error {
		if err := s.cfg.Containers.ContainerRemove(ctx, id, true, true); err != nil && !errdefs.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// eachOfPod calls fn for each container of the sandbox id (a prefix),
// disconnects the pod's network, then calls fn for its infra container,
// up to the first error. A sandbox that is gone has none.
func (s *Server) eachOfPod(ctx context.Context, id string, fn func(id string) error) error {
	id, err := s.sandboxID(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	members, err := s.members(ctx, id)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := s.disconnect(ctx, id); err != nil {
		return err
	}
	return fn(id)
}

// members are the IDs of the containers of sandbox id.
func (s *Server) members(ctx context.Context, id string) ([]string, error) {
	all, err := s.list(ctx, kindContainer)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		if c.Labels[labelSandbox] == id {
			out = append(out, c.ID)
		}
	}
	return out, nil
}

// list is every container of the CRI's namespace of kind (kindSandbox or
// kindContainer).
func (s *Server) list(ctx context.Context, kind string) ([]containertypes.Summary, error) {
	all, err := s.cfg.Containers.ContainerList(ctx, backend.ContainerListOptions{All: true, Namespace: Namespace})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c containertypes.Summary) bool { return c.Labels[labelKind] != kind }), nil
}

// listFilter is what the filters of the CRI's list requests share; those
// of containers also have GetPodSandboxId.
type listFilter interface {
	GetId() string
	GetLabelSelector() map[string]string
}

// listMatching lists the CRI's containers of kind that a list request's
// filter f keeps (a nil one keeps all): an ID starting with its ID, a
// sandbox ID starting with its sandbox ID, and every label of its
// selector.
func (s *Server) listMatching(ctx context.Context, kind string, f listFilter) ([]containertypes.Summary, error) {
	all, err := s.list(ctx, kind)
	if err != nil {
		return nil, toStatus(err)
	}
	sandbox := ""
	if sf, ok := f.(interface{ GetPodSandboxId() string }); ok {
		sandbox = sf.GetPodSandboxId()
	}
	return slices.DeleteFunc(all, func(c containertypes.Summary) bool {
		return !strings.HasPrefix(c.ID, f.GetId()) || !strings.HasPrefix(c.Labels[labelSandbox], sandbox) || !matchLabels(userLabels(c.Labels), f.GetLabelSelector())
	}), nil
}

// find resolves id (an ID or a unique prefix of one) among the CRI's
// containers of kind.
func (s *Server) find(ctx context.Context, id, kind string) (containertypes.Summary, error) {
	all, err := s.list(ctx, kind)
	if err != nil {
		return containertypes.Summary{}, err
	}
	var found []containertypes.Summary
	for _, c := range all {
		if id != "" && strings.HasPrefix(c.ID, id) {
			found = append(found, c)
		}
	}
	switch {
	case len(found) == 0:
		return containertypes.Summary{}, errdefs.NotFound(fmt.Errorf("%s %q not found", kind, id))
	case len(found) > 1:
		return containertypes.Summary{}, errdefs.InvalidParameter(fmt.Errorf("%s ID prefix %q is ambiguous", kind, id))
	}
	return found[0], nil
}

func (s *Server) sandboxID(ctx context.Context, id string) (string, error) {
	c, err := s.find(ctx, id, kindSandbox)
	return c.ID, err
}

// PodSandboxStatus reports a sandbox: ready while its infra container
// runs, its IP the one the CNI plugins gave it.
func (s *Server) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	id, err := s.sandboxID(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, toStatus(err)
	}
	in, err := s.cfg.Containers.ContainerInspect(ctx, id, false)
	if err != nil {
		return nil, toStatus(err)
	}
	l := in.Config.Labels
	st := &runtimeapi.PodSandboxStatus{
		Id: in.ID, Metadata: &runtimeapi.PodSandboxMetadata{}, State: sandboxState(in.State.Running),
		CreatedAt: parseTime(in.Created), Labels: userLabels(l), Annotations: annotations(l),
		Network: &runtimeapi.PodSandboxNetworkStatus{},
		Linux:   &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{Options: &runtimeapi.NamespaceOption{}}},
	}
	decode(l, labelMetadata, st.Metadata)
	decode(l, labelConfig, st.Linux.Namespaces.Options)
	st.Network.Ip = s.cfg.Network.IP(cni.Pod{ID: in.ID})
	return &runtimeapi.PodSandboxStatusResponse{Status: st}, nil
}

func sandboxState(running bool) runtimeapi.PodSandboxState {
	if running {
		return runtimeapi.PodSandboxState_SANDBOX_READY
	}
	return runtimeapi.PodSandboxState_SANDBOX_NOTREADY
}

// ListPodSandbox lists the sandboxes the filter matches.
func (s *Server) ListPodSandbox(ctx context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	f := req.GetFilter()
	all, err := s.listMatching(ctx, kindSandbox, f)
	if err != nil {
		return nil, err
	}
	out := []*runtimeapi.PodSandbox{}
	for _, c := range all {
		sb := &runtimeapi.PodSandbox{
			Id: c.ID, Metadata: &runtimeapi.PodSandboxMetadata{}, State: sandboxState(c.State == containertypes.StateRunning),
			CreatedAt: time.Unix(c.Created, 0).UnixNano(), Labels: userLabels(c.Labels), Annotations: annotations(c.Labels),
		}
		decode(c.Labels, labelMetadata, sb.Metadata)
		if f.GetState() != nil && f.GetState().GetState() != sb.State {
			continue
		}
		out = append(out, sb)
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}

// parseTime reads one of the inspect answer's times in nanoseconds since
// the epoch (0 when unset).
func parseTime(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 1970 {
		return 0
	}
	return t.UnixNano()
}
