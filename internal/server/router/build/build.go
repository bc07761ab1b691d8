package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	buildtypes "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// LocalContextScheme prefixes the "remote" of a POST /build whose context
// is a directory on the daemon's host, read in place rather than sent as a
// tar stream: berth's CLI sends it when it runs as root and talks to a
// unix socket, and it is accepted only from a root client in the daemon's
// mount namespace.
const LocalContextScheme = "berth-local://"

// Backend is what the build router needs from the daemon.
type Backend interface {
	// Build unpacks the context tar read from body and builds it. Progress
	// text goes to out; imageID is called with the result before the
	// closing "Successfully built" line.
	Build(ctx context.Context, body io.Reader, opts backend.BuildOptions, out io.Writer, imageID func(string)) error
	// BuildCachePrune empties the build cache.
	BuildCachePrune(ctx context.Context, all bool) (*buildtypes.CachePruneReport, error)
}

// Router serves the build endpoints.
type Router struct{ b Backend }

// New returns the build router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "POST /build", Handler: r.postBuild},
		{Pattern: "POST /build/prune", Handler: r.postBuildPrune},
		{Pattern: "POST /build/cancel", Handler: r.postBuildCancel},
	}
}

// ExitCode is implemented by errors that carry a RUN step's exit code
// (shown as errorDetail.code).
type ExitCode interface{ ExitCode() int }

func parseOptions(req *http.Request) (backend.BuildOptions, error) {
	o := backend.BuildOptions{
		Tags: req.Form["t"], Dockerfile: req.FormValue("dockerfile"), Target: req.FormValue("target"),
		NoCache: httputil.BoolValue(req, "nocache"), Pull: httputil.BoolValue(req, "pull"),
		Network: req.FormValue("networkmode"), Platform: req.FormValue("platform"),
	}
	if v := req.FormValue("version"); v == "2" {
		return o, errdefs.InvalidParameter(errors.New("BuildKit is not supported by berth: use the classic builder (DOCKER_BUILDKIT=0)"))
	}
	if p := o.Platform; p != "" {
		osName, arch, _ := strings.Cut(p, "/")
		arch, _, _ = strings.Cut(arch, "/")
		if osName != "linux" || (arch != "" && arch != runtime.GOARCH && !(arch == "x86_64" && runtime.GOARCH == "amd64")) {
			return o, errdefs.InvalidParameter(fmt.Errorf("platform %q is not supported: this daemon builds for linux/%s", p, runtime.GOARCH))
		}
	}
	if v := req.FormValue("remote"); strings.HasPrefix(v, LocalContextScheme) {
		dir := strings.TrimPrefix(v, LocalContextScheme)
		peer, ok := httputil.Peer(req.Context())
		if !ok {
			return o, errdefs.Forbidden(errors.New("local build context refused: the client is not on a unix socket"))
		}
		if err := peer.SharesHost(); err != nil {
			return o, errdefs.Forbidden(fmt.Errorf("local build context refused: %w", err))
		}
		if !filepath.IsAbs(dir) {
			return o, errdefs.InvalidParameter(fmt.Errorf("local build context refused: %s is not an absolute path", dir))
		}
		o.LocalDir = filepath.Clean(dir)
	} else if v != "" {
		return o, errdefs.InvalidParameter(fmt.Errorf("remote build contexts are not supported: %s", v))
	}
	if s := req.FormValue("buildargs"); s != "" {
		if err := json.Unmarshal([]byte(s), &o.BuildArgs); err != nil {
			return o, errdefs.InvalidParameter(fmt.Errorf("invalid buildargs: %w", err))
		}
	}
	o.ExtraHosts = req.Form["extrahosts"]
	if s := req.FormValue("labels"); s != "" {
		if err := json.Unmarshal([]byte(s), &o.Labels); err != nil {
			return o, errdefs.InvalidParameter(fmt.Errorf("invalid labels: %w", err))
		}
	}
	switch o.Network {
	case "", "default", "bridge", "host", "none":
	default:
		if strings.HasPrefix(o.Network, "container:") {
			return o, errdefs.InvalidParameter(fmt.Errorf("network mode %q is not supported for builds", o.Network))
		}
	}
	return o, nil
}

// progress writes each chunk of text as {"stream": …}; nothing is sent
// (not even the status line) until the first write, so that an error
// before any output becomes an ordinary HTTP error.
type progress struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	enc     *json.Encoder
	started bool
}

func (p *progress) start() {
	if !p.started {
		p.started = true
		p.w.Header().Set("Content-Type", "application/json")
		p.w.WriteHeader(http.StatusOK)
	}
}

func (p *progress) send(m jsonstream.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start()
	err := p.enc.Encode(m)
	stream.Flush(p.w)
	return err
}

func (p *progress) Write(b []byte) (int, error) {
	if err := p.send(jsonstream.Message{Stream: string(b)}); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (r *Router) postBuild(w http.ResponseWriter, req *http.Request) error {
	if err := req.ParseForm(); err != nil {
		return errdefs.InvalidParameter(err)
	}
	o, err := parseOptions(req)
	if err != nil {
		return err
	}
	p := &progress{w: w, enc: json.NewEncoder(w)}
	quiet := httputil.BoolValue(req, "q")
	var out io.Writer = p
	var held bytes.Buffer
	if quiet {
		out = &held
	}
	// With q, as dockerd: no progress and no aux message, only the image
	// ID as the stream's one line.
	var built string
	aux := func(id string) {
		built = id
		if quiet {
			return
		}
		raw, _ := json.Marshal(buildtypes.Result{ID: id})
		m := json.RawMessage(raw)
		_ = p.send(jsonstream.Message{Aux: &m})
	}
	err = r.b.Build(req.Context(), req.Body, o, out, aux)
	if err == nil {
		if quiet && built != "" {
			_, _ = p.Write([]byte(built + "\n"))
		}
		if !p.started {
			p.start()
		}
		return nil
	}
	if quiet && held.Len() > 0 {
		_, _ = p.Write(held.Bytes())
	}
	if !p.started {
		return err
	}
	je := &jsonstream.Error{Message: err.Error()}
	var ec ExitCode
	if errors.As(err, &ec) {
		je.Code = ec.ExitCode()
	}
	// Docker sends the message twice: errorDetail and the legacy "error".
	p.mu.Lock()
	defer p.mu.Unlock()
	err = p.enc.Encode(struct {
		Error  *jsonstream.Error `json:"errorDetail"`
		ErrMsg string            `json:"error"`
	}{je, je.Message})
	stream.Flush(p.w)
	return err
}

func (r *Router) postBuildPrune(w http.ResponseWriter, req *http.Request) error {
	rep, err := r.b.BuildCachePrune(req.Context(), httputil.BoolValue(req, "all"))
	if err != nil {
		return err
	}
	rep.CachesDeleted = httputil.List(rep.CachesDeleted)
	return httputil.WriteJSON(w, http.StatusOK, rep)
}

func (r *Router) postBuildCancel(w http.ResponseWriter, req *http.Request) error {
	w.WriteHeader(http.StatusOK)
	return nil
}
