package cri

import (
	"context"
	"fmt"

	containertypes "github.com/moby/moby/api/types/container"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/cri/stream"
	"github.com/berth/berth/internal/errdefs"
)

// streamBackend is the daemon as the streaming server sees it.
type streamBackend struct {
	Containers
	Execs
}

// Exec answers the URL of a stream running a command in a running
// container.
func (s *Server) Exec(ctx context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	if err := s.resolveRunning(ctx, &req.ContainerId); err != nil {
		return nil, toStatus(err)
	}
	if len(req.GetCmd()) == 0 {
		return nil, toStatus(errdefs.InvalidParameter(fmt.Errorf("no command given")))
	}
	return streamURL(s, req, (*stream.Server).GetExec)
}

// Attach answers the URL of a stream attached to a running container's
// process.
func (s *Server) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	if err := s.resolveRunning(ctx, &req.ContainerId); err != nil {
		return nil, toStatus(err)
	}
	return streamURL(s, req, (*stream.Server).GetAttach)
}

// PortForward answers the URL of a stream forwarding ports of a ready pod
// sandbox.
func (s *Server) PortForward(ctx context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	sb, err := s.readySandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, toStatus(err)
	}
	req.PodSandboxId = sb.ID
	return streamURL(s, req, (*stream.Server).GetPortForward)
}

// streamURL answers the URL get makes for req on the streaming server.
func streamURL[Req, Resp any](s *Server, req Req, get func(*stream.Server, Req) (Resp, error)) (Resp, error) {
	ss, err := s.streaming()
	if err != nil {
		var none Resp
		return none, err
	}
	return get(ss, req)
}

// readySandbox resolves the sandbox id, which must be ready (its infra
// container running).
func (s *Server) readySandbox(ctx context.Context, id string) (containertypes.Summary, error) {
	sb, err := s.find(ctx, id, kindSandbox)
	if err == nil && sb.State != containertypes.StateRunning {
		err = errdefs.Conflict(fmt.Errorf("pod sandbox %s is not ready", sb.ID))
	}
	return sb, err
}

// resolveRunning replaces *id, a CRI container id, by the full ID of the
// container, which must be running.
func (s *Server) resolveRunning(ctx context.Context, id *string) error {
	c, err := s.find(ctx, *id, kindContainer)
	if err != nil {
		return err
	}
	if c.State != containertypes.StateRunning {
		return errdefs.Conflict(fmt.Errorf("container %s is not running (%s)", c.ID, c.State))
	}
	*id = c.ID
	return nil
}
