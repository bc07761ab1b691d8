package exec

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Backend is what the exec router needs from the daemon.
type Backend interface {
	ExecCreate(ctx context.Context, name string, req container.ExecCreateRequest) (string, error)
	ExecStart(ctx context.Context, id string, opts backend.ExecStartOptions) error
	ExecResize(ctx context.Context, id string, height, width uint) error
	ExecInspect(ctx context.Context, id string) (*container.ExecInspectResponse, error)
}

// Router serves /containers/{name}/exec and /exec.
type Router struct{ b Backend }

// New returns the exec router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "POST /containers/{name}/exec", Handler: r.postContainerExecCreate},
		{Pattern: "POST /exec/{id}/start", Handler: r.postExecStart},
		{Pattern: "POST /exec/{id}/resize", Handler: r.postExecResize},
		{Pattern: "GET /exec/{id}/json", Handler: r.getExecByID},
	}
}

func (r *Router) postContainerExecCreate(w http.ResponseWriter, req *http.Request) error {
	var body container.ExecCreateRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	if len(body.Cmd) == 0 {
		return errdefs.InvalidParameter(errors.New("No exec command specified"))
	}
	id, err := r.b.ExecCreate(req.Context(), req.PathValue("name"), body)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusCreated, container.ExecCreateResponse{ID: id})
}

func (r *Router) postExecStart(w http.ResponseWriter, req *http.Request) error {
	var body container.ExecStartRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	opts := backend.ExecStartOptions{Detach: body.Detach, Tty: body.Tty, ConsoleSize: body.ConsoleSize}
	up := stream.NewUpgrade(w, req)
	if !body.Detach {
		opts.Open = up.Open
	}
	err := r.b.ExecStart(req.Context(), req.PathValue("id"), opts)
	if up.Conn != nil {
		if err != nil {
			// As dockerd: the error goes to the client's stdout; the exit
			// code (126/127) is read from the exec's inspect.
			fmt.Fprintf(up.Stdout, "OCI runtime exec failed: %v\r\n", err)
		}
		up.Conn.Close()
		return nil
	}
	return httputil.AnswerStatus(w, http.StatusOK, err)
}

func (r *Router) postExecResize(w http.ResponseWriter, req *http.Request) error {
	h, wd, err := httputil.TerminalSize(req)
	if err != nil {
		return err
	}
	return httputil.AnswerStatus(w, http.StatusOK, r.b.ExecResize(req.Context(), req.PathValue("id"), uint(h), uint(wd)))
}

func (r *Router) getExecByID(w http.ResponseWriter, req *http.Request) error {
	resp, err := r.b.ExecInspect(req.Context(), req.PathValue("id"))
	return httputil.Answer(w, http.StatusOK, resp, err)
}
