package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/moby/moby/api/types/jsonstream"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
)

func notFound(req *http.Request) error {
	return errdefs.NotFound(fmt.Errorf("page not found: %s %s", req.Method, req.URL.Path))
}

func (r *Router) getImagesJSON(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req)
	if err != nil {
		return err
	}
	// Old clients send filter=<reference>.
	if v := req.FormValue("filter"); v != "" {
		f["reference"] = append(f["reference"], v)
	}
	list, err := r.b.ImageList(req.Context(), httputil.BoolValue(req, "all"), f, httputil.BoolValue(req, "shared-size"))
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, legacyList(req.Context(), list))
}

func (r *Router) getImagesInspect(w http.ResponseWriter, req *http.Request, name string) error {
	resp, err := r.b.ImageInspect(req.Context(), name)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, legacyInspect(req.Context(), resp))
}

func (r *Router) getImagesSearch(w http.ResponseWriter, req *http.Request) error {
	s, ok := r.b.(Searcher)
	if !ok {
		return errdefs.NotImplemented(errors.New("search is not supported by this daemon"))
	}
	f, err := httputil.Filters(req)
	if err != nil {
		return err
	}
	limit := 0
	if v := req.FormValue("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("invalid limit %q", v))
		}
	}
	res, err := s.ImageSearch(req.Context(), req.FormValue("term"), limit, f)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, res)
}

func (r *Router) getImagesHistory(w http.ResponseWriter, req *http.Request, name string) error {
	h, err := r.b.ImageHistory(req.Context(), name)
	return httputil.Answer(w, http.StatusOK, h, err)
}

func (r *Router) getImagesGet(w http.ResponseWriter, req *http.Request) error {
	if err := req.ParseForm(); err != nil {
		return errdefs.InvalidParameter(err)
	}
	return r.saveImages(w, req, req.Form["names"])
}

func (r *Router) saveImages(w http.ResponseWriter, req *http.Request, names []string) error {
	if len(names) == 0 {
		return errdefs.InvalidParameter(errors.New("no image names given"))
	}
	lw := &lazyHeader{w: w, contentType: "application/x-tar"}
	return r.b.ImageSave(req.Context(), names, lw)
}

func (r *Router) postImagesTag(w http.ResponseWriter, req *http.Request, name string) error {
	return httputil.AnswerStatus(w, http.StatusCreated, r.b.ImageTag(req.Context(), name, req.FormValue("repo"), req.FormValue("tag")))
}

func (r *Router) postImagesPush(w http.ResponseWriter, req *http.Request, name string) error {
	p, ok := r.b.(Pusher)
	if !ok {
		return errdefs.NotImplemented(errors.New("push is not supported by this daemon"))
	}
	out := &lazyHeader{w: w, contentType: "application/json"}
	err := p.ImagePush(req.Context(), name, req.FormValue("tag"), req.Header.Get("X-Registry-Auth"), out)
	if err != nil && out.started() {
		writeStreamError(out, err)
		return nil
	}
	return err
}

func (r *Router) deleteImages(w http.ResponseWriter, req *http.Request) error {
	name := req.PathValue("rest")
	if name == "" {
		return notFound(req)
	}
	resp, err := r.b.ImageDelete(req.Context(), name, httputil.BoolValue(req, "force"), !httputil.BoolValue(req, "noprune"))
	return httputil.Answer(w, http.StatusOK, resp, err)
}

func (r *Router) postImagesPrune(w http.ResponseWriter, req *http.Request) error {
	return httputil.Prune(w, req, r.b.ImagesPrune)
}

func (r *Router) postImagesCreate(w http.ResponseWriter, req *http.Request) error {
	if err := req.ParseForm(); err != nil {
		return errdefs.InvalidParameter(err)
	}
	src, from := req.FormValue("fromSrc"), req.FormValue("fromImage")
	switch {
	case src != "":
		id, err := r.b.ImageImport(req.Context(), src, req.Body, req.FormValue("repo"), req.FormValue("tag"),
			req.FormValue("message"), req.Form["changes"], req.FormValue("platform"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		return json.NewEncoder(w).Encode(jsonstream.Message{Status: id})
	case from != "":
		p, ok := r.b.(Puller)
		if !ok {
			return errdefs.NotImplemented(errors.New("pull is not supported by this daemon"))
		}
		out := &lazyHeader{w: w, contentType: "application/json"}
		err := p.ImagePull(req.Context(), from, req.FormValue("tag"), req.FormValue("platform"), req.Header.Get("X-Registry-Auth"), out)
		if err != nil && out.started() {
			writeStreamError(out, err)
			return nil
		}
		return err
	}
	return errdefs.InvalidParameter(errors.New("fromSrc or fromImage is required"))
}

func (r *Router) postImagesLoad(w http.ResponseWriter, req *http.Request) error {
	out := &lazyHeader{w: w, contentType: "application/json"}
	enc := json.NewEncoder(out)
	err := r.b.ImageLoad(req.Context(), req.Body, httputil.BoolValue(req, "quiet"), func(line string) {
		_ = enc.Encode(jsonstream.Message{Stream: line + "\n"})
		out.flush()
	})
	if err != nil {
		// As dockerd: a load that fails, even before its first line, is a
		// 200 whose JSON stream ends with the error.
		writeStreamError(out, err)
		return nil
	}
	if !out.started() {
		out.WriteHeader(http.StatusOK)
	}
	return nil
}

// writeStreamError ends a JSON progress stream with Docker's error message.
func writeStreamError(w *lazyHeader, err error) {
	// In dockerd's order: errorDetail, then the legacy "error".
	_ = json.NewEncoder(w).Encode(struct {
		Detail jsonstream.Error `json:"errorDetail"`
		Error  string           `json:"error"`
	}{jsonstream.Error{Message: err.Error()}, err.Error()})
}

// lazyHeader writes the status line and content type only with the first
// byte, so that an error found before any output still gets its own HTTP
// status.
type lazyHeader struct {
	w           http.ResponseWriter
	contentType string
	mu          sync.Mutex
	wrote       bool
}

func (l *lazyHeader) started() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wrote
}

func (l *lazyHeader) WriteHeader(code int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.wrote {
		l.w.Header().Set("Content-Type", l.contentType)
		l.w.WriteHeader(code)
		l.wrote = true
	}
}

func (l *lazyHeader) Write(p []byte) (int, error) {
	l.WriteHeader(http.StatusOK)
	return l.w.Write(p)
}

// Flush sends what was written so far (progress streams).
func (l *lazyHeader) Flush() { l.flush() }

func (l *lazyHeader) flush() {
	if f, ok := l.w.(http.Flusher); ok {
		f.Flush()
	}
}
