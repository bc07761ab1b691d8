package cri

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	mounttypes "github.com/moby/moby/api/types/mount"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
)

// CreateContainer creates a container in a running sandbox: it joins the
// sandbox's network, IPC and UTS namespaces, and logs in the CRI format at
// the sandbox's log directory joined with the container's log path.
func (s *Server) CreateContainer(ctx context.Context, req *runtimeapi.CreateContainerRequest) (*runtimeapi.CreateContainerResponse, error) {
	cc, pc := req.GetConfig(), req.GetSandboxConfig()
	if cc.GetMetadata() == nil {
		return nil, toStatus(errdefs.InvalidParameter(errors.New("container config must have metadata")))
	}
	sb, err := s.find(ctx, req.GetPodSandboxId(), kindSandbox)
	if err != nil {
		return nil, toStatus(err)
	}
	if err := s.resolveImageMounts(ctx, cc.GetMounts()); err != nil {
		return nil, toStatus(err)
	}
	labels := record(kindContainer, cc.GetLabels(), cc.GetAnnotations(), cc.GetMetadata())
	labels[labelSandbox] = sb.ID
	// The image as the user named it: the kubelet creates from the ID
	// that ImageStatus answered, and reports the name in the pod's status.
	labels[labelImage] = cmp.Or(cc.GetImage().GetUserSpecifiedImage(), cc.GetImage().GetImage())
	labels[labelConfig] = mustJSON(cc.GetMounts())
	cfg, hc, err := containerConfig(cc, sb.ID)
	if err != nil {
		return nil, toStatus(err)
	}
	cfg.Labels = labels
	var ns runtimeapi.NamespaceOption
	decode(sb.Labels, labelConfig, &ns)
	if ns.GetIpc() == runtimeapi.NamespaceMode_NODE {
		hc.IpcMode = "host"
	}
	if ns.GetNetwork() == runtimeapi.NamespaceMode_NODE {
		hc.NetworkMode, hc.UTSMode = "host", "host"
	}
	hc.CgroupParent = pc.GetLinux().GetCgroupParent()
	hc.PidMode = pidMode(ns.GetPid(), cc.GetLinux().GetSecurityContext().GetNamespaceOptions().GetPid(), sb.ID)
	ext := backend.ContainerCreateExtensions{Namespace: Namespace}
	if dir, p := sb.Labels[labelLogDir], cc.GetLogPath(); dir != "" && p != "" {
		ext.LogPath, ext.LogFormat = filepath.Join(dir, p), "cri" // logger.CRI
		if err := os.MkdirAll(filepath.Dir(ext.LogPath), 0o755); err != nil {
			return nil, toStatus(err)
		}
	} else {
		hc.LogConfig.Type = "none"
	}
	name := fmt.Sprintf("k8s_%s_%s_%s_%s_%d", cc.GetMetadata().GetName(), pc.GetMetadata().GetName(), pc.GetMetadata().GetNamespace(), pc.GetMetadata().GetUid(), cc.GetMetadata().GetAttempt())
	resp, err := s.cfg.Containers.ContainerCreate(ctx, name, containertypes.CreateRequest{Config: cfg, HostConfig: hc}, ext)
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.CreateContainerResponse{ContainerId: resp.ID}, nil
}

// resolveImageMounts sets the image ID of each image mount (Mount.image)
// as its ImageRef, which the container mounts and ContainerStatus reports.
func (s *Server) resolveImageMounts(ctx context.Context, mounts []*runtimeapi.Mount) error {
	for _, m := range mounts {
		if m.GetImage() == nil {
			continue
		}
		in, err := s.cfg.Images.ImageInspect(ctx, m.GetImage().GetImage())
		if err != nil {
			return err
		}
		m.Image.ImageRef = in.ID
	}
	return nil
}

// pidMode is a container's PID namespace: the host's when the pod or the
// container asks for it, its own for CONTAINER, else the pod's (POD, the
// enum's zero, as containerd reads an unset option).
func pidMode(pod, ctr runtimeapi.NamespaceMode, sandbox string) containertypes.PidMode {
	switch {
	case pod == runtimeapi.NamespaceMode_NODE || ctr == runtimeapi.NamespaceMode_NODE:
		return "host"
	case ctr == runtimeapi.NamespaceMode_CONTAINER:
		return ""
	}
	return containertypes.PidMode("container:" + sandbox)
}

// containerConfig translates a CRI container config into berth's create
// request, in the namespaces of the sandbox's infra container.
func containerConfig(cc *runtimeapi.ContainerConfig, sandbox string) (*containertypes.Config, *containertypes.HostConfig, error) {
	join := "container:" + sandbox
	cfg := &containertypes.Config{
		Image: cc.GetImage().GetImage(), Entrypoint: cc.GetCommand(), Cmd: cc.GetArgs(), WorkingDir: cc.GetWorkingDir(),
		Tty: cc.GetTty(), OpenStdin: cc.GetStdin(), StdinOnce: cc.GetStdinOnce(),
	}
	for _, kv := range cc.GetEnvs() {
		cfg.Env = append(cfg.Env, kv.GetKey()+"="+string(kv.GetValue()))
	}
	hc := &containertypes.HostConfig{
		NetworkMode: containertypes.NetworkMode(join), IpcMode: containertypes.IpcMode(join), UTSMode: containertypes.UTSMode(join),
	}
	for _, m := range cc.GetMounts() {
		if m.GetImage() != nil {
			im, err := imageMount(m)
			if err != nil {
				return nil, nil, err
			}
			hc.Mounts = append(hc.Mounts, im)
			continue
		}
		if m.GetHostPath() == "" || !filepath.IsAbs(m.GetContainerPath()) {
			return nil, nil, errdefs.InvalidParameter(fmt.Errorf("mount %q:%q: want absolute paths", m.GetHostPath(), m.GetContainerPath()))
		}
		opts := []string{"rw"}
		if m.GetReadonly() {
			opts[0] = "ro"
		}
		switch m.GetPropagation() {
		case runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
			opts = append(opts, "rslave")
		case runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
			opts = append(opts, "rshared")
		}
		hc.Binds = append(hc.Binds, m.GetHostPath()+":"+m.GetContainerPath()+":"+strings.Join(opts, ","))
	}
	lc := cc.GetLinux()
	sc := lc.GetSecurityContext()
	if u := sc.GetRunAsUser(); u != nil {
		cfg.User = strconv.FormatInt(u.GetValue(), 10)
	} else if sc.GetRunAsUsername() != "" {
		cfg.User = sc.GetRunAsUsername()
	}
	if g := sc.GetRunAsGroup(); g != nil {
		if cfg.User == "" {
			return nil, nil, errdefs.InvalidParameter(fmt.Errorf("run_as_group %d is set without run_as_user or run_as_username", g.GetValue()))
		}
		cfg.User += ":" + strconv.FormatInt(g.GetValue(), 10)
	}
	for _, g := range sc.GetSupplementalGroups() {
		hc.GroupAdd = append(hc.GroupAdd, strconv.FormatInt(g, 10))
	}
	hc.Privileged, hc.ReadonlyRootfs = sc.GetPrivileged(), sc.GetReadonlyRootfs()
	hc.CapAdd, hc.CapDrop = sc.GetCapabilities().GetAddCapabilities(), sc.GetCapabilities().GetDropCapabilities()
	if sc.GetNoNewPrivs() {
		hc.SecurityOpt = append(hc.SecurityOpt, "no-new-privileges")
	}
	opt, err := seccompOpt(sc.GetSeccomp())
	if err != nil {
		return nil, nil, err
	}
	hc.SecurityOpt = append(hc.SecurityOpt, opt)
	hc.MaskedPaths, hc.ReadonlyPaths = sc.GetMaskedPaths(), sc.GetReadonlyPaths()
	hc.Resources = resources(lc.GetResources())
	return cfg, hc, nil
}

// imageMount is a CRI image volume as berth's read-only image mount of the
// image's ID (resolveImageMounts); the CRI wants a writable one refused.
func imageMount(m *runtimeapi.Mount) (mounttypes.Mount, error) {
	if !m.GetReadonly() {
		return mounttypes.Mount{}, errdefs.InvalidParameter(fmt.Errorf("image mount %q: image volumes must be read-only", m.GetContainerPath()))
	}
	im := mounttypes.Mount{Type: mounttypes.TypeImage, Source: m.GetImage().GetImageRef(), Target: m.GetContainerPath(), ReadOnly: true}
	if sp := m.GetImageSubPath(); sp != "" {
		im.ImageOptions = &mounttypes.ImageOptions{Subpath: sp}
	}
	return im, nil
}

// seccompOpt is the security option of a CRI seccomp profile: none is
// unconfined (the kubelet asks for RuntimeDefault explicitly), a localhost
// profile is the JSON of the node's file.
func seccompOpt(p *runtimeapi.SecurityProfile) (string, error) {
	if p == nil {
		return "seccomp=unconfined", nil
	}
	switch p.GetProfileType() {
	case runtimeapi.SecurityProfile_RuntimeDefault:
		return "seccomp=builtin", nil
	case runtimeapi.SecurityProfile_Localhost:
		data, err := os.ReadFile(p.GetLocalhostRef())
		if err != nil {
			return "", errdefs.InvalidParameter(fmt.Errorf("seccomp localhost profile: %w", err))
		}
		return "seccomp=" + string(data), nil
	}
	return "seccomp=unconfined", nil
}

// resources are the limits of a CRI container in berth's terms.
func resources(r *runtimeapi.LinuxContainerResources) containertypes.Resources {
	if r == nil {
		return containertypes.Resources{}
	}
	return containertypes.Resources{
		CPUShares: r.GetCpuShares(), CPUPeriod: r.GetCpuPeriod(), CPUQuota: r.GetCpuQuota(), Memory: r.GetMemoryLimitInBytes(),
		CpusetCpus: r.GetCpusetCpus(), CpusetMems: r.GetCpusetMems(),
	}
}

// UpdateContainerResources changes the limits of a container.
func (s *Server) UpdateContainerResources(ctx context.Context, req *runtimeapi.UpdateContainerResourcesRequest) (*runtimeapi.UpdateContainerResourcesResponse, error) {
	err := s.onContainer(ctx, req.GetContainerId(), func(ctx context.Context, id string) error {
		_, err := s.cfg.Containers.ContainerUpdate(ctx, id, containertypes.UpdateConfig{Resources: resources(req.GetLinux())})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &runtimeapi.UpdateContainerResourcesResponse{}, nil
}

// StartContainer starts a created container.
func (s *Server) StartContainer(ctx context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	if err := s.onContainer(ctx, req.GetContainerId(), s.cfg.Containers.ContainerStart); err != nil {
		return nil, err
	}
	return &runtimeapi.StartContainerResponse{}, nil
}

// onContainer calls do with the full ID of the CRI container id; the
// error it returns is a gRPC status.
func (s *Server) onContainer(ctx context.Context, id string, do func(ctx context.Context, id string) error) error {
	c, err := s.find(ctx, id, kindContainer)
	if err == nil {
		err = do(ctx, c.ID)
	}
	if err != nil {
		return toStatus(err)
	}
	return nil
}

// StopContainer stops a container with its stop signal, killing it after
// the timeout (seconds). A container that is gone or not running is
// stopped.
func (s *Server) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	c, err := s.find(ctx, req.GetContainerId(), kindContainer)
	if err == nil {
		timeout := int(req.GetTimeout())
		err = s.cfg.Containers.ContainerStop(ctx, c.ID, "", &timeout)
	}
	if !stopped(err) {
		return nil, toStatus(err)
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

// RemoveContainer removes a container, running or not. A container that
// is gone is removed.
func (s *Server) RemoveContainer(ctx context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	c, err := s.find(ctx, req.GetContainerId(), kindContainer)
	if err == nil {
		err = s.cfg.Containers.ContainerRemove(ctx, c.ID, true, true)
	}
	if err != nil && !errdefs.IsNotFound(err) {
		return nil, toStatus(err)
	}
	return &runtimeapi.RemoveContainerResponse{}, nil
}

// ListContainers lists the containers the filter matches.
func (s *Server) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	f := req.GetFilter()
	all, err := s.listMatching(ctx, kindContainer, f)
	if err != nil {
		return nil, err
	}
	out := []*runtimeapi.Container{}
	for _, c := range all {
		rc := &runtimeapi.Container{
			Id: c.ID, PodSandboxId: c.Labels[labelSandbox], Metadata: &runtimeapi.ContainerMetadata{},
			Image: &runtimeapi.ImageSpec{Image: c.Labels[labelImage]}, ImageRef: c.ImageID, ImageId: c.ImageID,
			State: containerState(string(c.State)), CreatedAt: time.Unix(c.Created, 0).UnixNano(),
			Labels: userLabels(c.Labels), Annotations: annotations(c.Labels),
		}
		decode(c.Labels, labelMetadata, rc.Metadata)
		if f.GetState() != nil && f.GetState().GetState() != rc.State {
			continue
		}
		out = append(out, rc)
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

// containerState maps berth's status to the CRI's states.
func containerState(st string) runtimeapi.ContainerState {
	switch st {
	case "created":
		return runtimeapi.ContainerState_CONTAINER_CREATED
	case "running", "paused", "restarting":
		return runtimeapi.ContainerState_CONTAINER_RUNNING
	case "exited", "dead":
		return runtimeapi.ContainerState_CONTAINER_EXITED
	}
	return runtimeapi.ContainerState_CONTAINER_UNKNOWN
}

// ContainerStatus reports a container: state, times, exit code and why,
// image, mounts and log path.
func (s *Server) ContainerStatus(ctx context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	c, err := s.find(ctx, req.GetContainerId(), kindContainer)
	if err != nil {
		return nil, toStatus(err)
	}
	in, err := s.cfg.Containers.ContainerInspect(ctx, c.ID, false)
	if err != nil {
		return nil, toStatus(err)
	}
	l := in.Config.Labels
	st := &runtimeapi.ContainerStatus{
		Id: in.ID, Metadata: &runtimeapi.ContainerMetadata{}, State: containerState(string(in.State.Status)),
		CreatedAt: parseTime(in.Created), StartedAt: parseTime(in.State.StartedAt), FinishedAt: parseTime(in.State.FinishedAt),
		ExitCode: int32(in.State.ExitCode), Image: &runtimeapi.ImageSpec{Image: l[labelImage]}, ImageRef: in.Image, ImageId: in.Image,
		Labels: userLabels(l), Annotations: annotations(l), Message: in.State.Error,
	}
	if in.HostConfig != nil && in.HostConfig.LogConfig.Type != "none" {
		st.LogPath = in.LogPath
	}
	decode(l, labelMetadata, st.Metadata)
	decode(l, labelConfig, &st.Mounts)
	if st.State == runtimeapi.ContainerState_CONTAINER_EXITED {
		switch {
		case in.State.OOMKilled:
			st.Reason = "OOMKilled"
		case in.State.ExitCode == 0:
			st.Reason = "Completed"
		default:
			st.Reason = "Error"
		}
	}
	return &runtimeapi.ContainerStatusResponse{Status: st}, nil
}

// ExecSync runs a command in a running container and answers its output
// and exit code; past the timeout (seconds, 0 = none) the command is
// killed and the call fails with DeadlineExceeded.
func (s *Server) ExecSync(ctx context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	c, err := s.find(ctx, req.GetContainerId(), kindContainer)
	if err != nil {
		return nil, toStatus(err)
	}
	if len(req.GetCmd()) == 0 {
		return nil, toStatus(errdefs.InvalidParameter(errors.New("no command given")))
	}
	stdout, stderr, code, err := s.cfg.Execs.ExecSync(ctx, c.ID, req.GetCmd(), time.Duration(req.GetTimeout())*time.Second)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, status.Errorf(codes.DeadlineExceeded, "command %q timed out after %ds", req.GetCmd(), req.GetTimeout())
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &runtimeapi.ExecSyncResponse{Stdout: stdout, Stderr: stderr, ExitCode: int32(code)}, nil
}

// ReopenContainerLog has a running container's log file opened again at
// its path, after the kubelet renamed it to rotate it.
func (s *Server) ReopenContainerLog(ctx context.Context, req *runtimeapi.ReopenContainerLogRequest) (*runtimeapi.ReopenContainerLogResponse, error) {
	if err := s.onContainer(ctx, req.GetContainerId(), s.cfg.Containers.ContainerReopenLog); err != nil {
		return nil, err
	}
	return &runtimeapi.ReopenContainerLogResponse{}, nil
}

// stopped reports whether a stop's error leaves the container stopped:
// none, a container already stopped or gone.
func stopped(err error) bool {
	return err == nil || errors.Is(err, errdefs.ErrNotModified) || errdefs.IsNotFound(err)
}

// toStatus gives err the gRPC code of its category.
func toStatus(err error) error {
	code := codes.Unknown
	switch {
	case errdefs.IsNotFound(err):
		code = codes.NotFound
	case errdefs.IsInvalidParameter(err):
		code = codes.InvalidArgument
	case errdefs.IsConflict(err):
		code = codes.FailedPrecondition
	case errors.Is(err, errdefs.ErrUnavailable):
		code = codes.Unavailable
	}
	return status.Error(code, err.Error())
}
