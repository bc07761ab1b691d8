// Package cri is berth's Kubernetes Container Runtime Interface: the CRI
// v1 gRPC services RuntimeService and ImageService on a unix socket of the
// daemon (<exec-root>/cri.sock by default). It keeps no state of its own:
// a pod sandbox is a berth container (an infra container holding the
// pod's network, IPC and UTS namespaces) and a CRI container a berth
// container joining them, both in the "k8s.io" namespace so that the
// Docker API does not list them; what the CRI knows of them (metadata,
// annotations, the sandbox of a container) is kept in their labels.
package cri

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"
	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/cri/cni"
	"github.com/berth/berth/internal/cri/stream"
	"github.com/berth/berth/internal/errdefs"
)

// Namespace is the namespace of the CRI's containers in berth's records
// (containerd's name for Kubernetes').
const Namespace = "k8s.io"

// Containers is what the CRI needs of the daemon's container use cases.
type Containers interface {
	ContainerCreate(ctx context.Context, name string, req containertypes.CreateRequest, ext backend.ContainerCreateExtensions) (containertypes.CreateResponse, error)
	ContainerStart(ctx context.Context, name string) error
	ContainerStop(ctx context.Context, name, signal string, timeout *int) error
	ContainerRemove(ctx context.Context, name string, force, volumes bool) error
	ContainerInspect(ctx context.Context, name string, size bool) (*containertypes.InspectResponse, error)
	ContainerList(ctx context.Context, opts backend.ContainerListOptions) ([]containertypes.Summary, error)
	ContainerUpdate(ctx context.Context, name string, u containertypes.UpdateConfig) (containertypes.UpdateResponse, error)
	ContainerStats(ctx context.Context, name string, stream, oneShot bool, emit func(*containertypes.StatsResponse) error) error
	ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error
	ContainerResize(ctx context.Context, name string, height, width uint) error
	ContainerReopenLog(ctx context.Context, name string) error
}

// Execs runs commands in running containers: to their end (ExecSync), or
// with the client's streams (the streaming server's exec).
type Execs interface {
	ExecSync(ctx context.Context, name string, args []string, timeout time.Duration) (stdout, stderr []byte, code int, err error)
	ExecCreate(ctx context.Context, name string, req containertypes.ExecCreateRequest) (string, error)
	ExecStart(ctx context.Context, id string, opts backend.ExecStartOptions) error
	ExecResize(ctx context.Context, id string, height, width uint) error
	ExecInspect(ctx context.Context, id string) (*containertypes.ExecInspectResponse, error)
}

// Images is what the CRI needs of the daemon's image use cases.
type Images interface {
	ImagePull(ctx context.Context, image, tag, platform, auth string, out io.Writer) error
	ImageList(ctx context.Context, all bool, filters map[string][]string, sharedSize bool) ([]imagetypes.Summary, error)
	ImageInspect(ctx context.Context, name string) (*backend.ImageInspectResponse, error)
	ImageDelete(ctx context.Context, name string, force, prune bool) ([]imagetypes.DeleteResponse, error)
}

// Config is what the daemon hands the server.
type Config struct {
	Containers Containers
	Execs      Execs
	Images     Images
	// Network connects the pods (CNI).
	Network *cni.Network
	// ImageDir is the directory of the image layers, reported by
	// ImageFsInfo.
	ImageDir string
	// StreamAddress is where the streaming server of Exec, Attach and
	// PortForward listens (host:port; stream.DefaultAddress when "").
	StreamAddress string
	// Version is berth's version.
	Version string
	Log     *slog.Logger
}

// Server serves the CRI.
type Server struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	runtimeapi.UnimplementedImageServiceServer
	cfg       Config
	grpc      *grpc.Server
	stream    *stream.Server // nil until Listen, or when it could not listen
	streamErr error          // why it could not
}

// New returns a server of cfg's services.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, grpc: grpc.NewServer()}
	runtimeapi.RegisterRuntimeServiceServer(s.grpc, s)
	runtimeapi.RegisterImageServiceServer(s.grpc, s)
	return s
}

// Listen makes the socket at path (its directory too, a stale socket
// replaced) and serves it, and the streaming server at the configured
// address, until Stop.
func (s *Server) Listen(path string) error {
	addr := s.cfg.StreamAddress
	if addr == "" {
		addr = stream.DefaultAddress
	}
	ss, err := stream.Listen(addr, streamBackend{s.cfg.Containers, s.cfg.Execs}, s.cfg.Log)
	if err != nil && s.cfg.StreamAddress != "" {
		return err
	}
	if err != nil {
		// The default address needs a loopback: without one the daemon
		// still serves, and the streaming calls say why they cannot.
		s.cfg.Log.Warn("CRI streaming server off: exec, attach and port-forward through the CRI fail", "addr", addr, "err", err)
		s.streamErr = err
	}
	if err := s.listen(path); err != nil {
		if ss != nil {
			ss.Stop()
		}
		return err
	}
	s.stream = ss
	return nil
}

// streaming is the streaming server, or why there is none.
func (s *Server) streaming() (*stream.Server, error) {
	if s.stream == nil {
		return nil, toStatus(errdefs.Unavailable(fmt.Errorf("the CRI streaming server is not running: %v", s.streamErr)))
	}
	return s.stream, nil
}

// listen serves the gRPC services on the unix socket path.
func (s *Server) listen(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o710); err != nil {
		return fmt.Errorf("cri socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cri socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("cri socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("cri socket: %w", err)
	}
	go func() {
		if err := s.grpc.Serve(l); err != nil {
			s.cfg.Log.Error("cri server", "err", err)
		}
	}()
	return nil
}

// StreamAddr is the address of the streaming server ("" before Listen).
func (s *Server) StreamAddr() string {
	if s.stream == nil {
		return ""
	}
	return s.stream.Addr()
}

// Stop closes the listeners and the connections.
func (s *Server) Stop() {
	s.grpc.Stop()
	if s.stream != nil {
		s.stream.Stop()
	}
}

// Version answers the runtime's name and versions.
func (s *Server) Version(ctx context.Context, req *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: "berth", RuntimeVersion: s.cfg.Version, RuntimeApiVersion: "v1"}, nil
}

// Status reports the runtime ready while the daemon serves, and the
// network ready when the CNI configuration and its plugins are there.
func (s *Server) Status(ctx context.Context, req *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	netCond := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: true}
	if err := s.cfg.Network.Ready(ctx); err != nil {
		netCond.Status, netCond.Reason, netCond.Message = false, "NetworkPluginNotReady", err.Error()
	}
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, netCond,
	}}}, nil
}

// RuntimeConfig answers the cgroup driver: berth writes cgroupfs paths.
func (s *Server) RuntimeConfig(ctx context.Context, req *runtimeapi.RuntimeConfigRequest) (*runtimeapi.RuntimeConfigResponse, error) {
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: runtimeapi.CgroupDriver_CGROUPFS}}, nil
}

// UpdateRuntimeConfig accepts the kubelet's pod CIDR, which berth's bridge
// does not use yet.
func (s *Server) UpdateRuntimeConfig(ctx context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
}
