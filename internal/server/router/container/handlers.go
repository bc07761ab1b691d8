package container

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/stream"
)

func (r *Router) getContainersJSON(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req)
	if err != nil {
		return err
	}
	limit, err := httputil.Int64Value(req, "limit", 0)
	if err != nil {
		return err
	}
	list, err := r.b.ContainerList(req.Context(), backend.ContainerListOptions{
		All: httputil.BoolValue(req, "all"), Limit: int(limit), Size: httputil.BoolValue(req, "size"), Filters: f,
	})
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, list)
}

func (r *Router) postContainersCreate(w http.ResponseWriter, req *http.Request) error {
	var body container.CreateRequest
	if req.Body == nil {
		return errdefs.InvalidParameter(errors.New("invalid JSON body: empty"))
	}
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return errdefs.InvalidParameter(errors.New("invalid JSON: config cannot be empty in order to create a container"))
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("invalid JSON: %w", err))
	}
	if body.Config == nil {
		return errdefs.InvalidParameter(errors.New("config cannot be empty in order to create a container"))
	}
	var ext struct {
		HostConfig *backend.ContainerCreateExtensions
	}
	if err := json.Unmarshal(raw, &ext); err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("invalid JSON: %w", err))
	}
	if ext.HostConfig == nil {
		ext.HostConfig = &backend.ContainerCreateExtensions{}
	}
	if err := legacyCreate(req.Context(), &body); err != nil {
		return err
	}
	if err := legacyMacAddress(req.Context(), raw, &body); err != nil {
		return err
	}
	resp, err := r.b.ContainerCreate(req.Context(), req.FormValue("name"), body, *ext.HostConfig)
	if err != nil {
		return err
	}
	resp.Warnings = httputil.List(resp.Warnings)
	return httputil.WriteJSON(w, http.StatusCreated, resp)
}

func (r *Router) postContainersPrune(w http.ResponseWriter, req *http.Request) error {
	return httputil.Prune(w, req, r.b.ContainerPrune)
}

func (r *Router) getContainersByName(w http.ResponseWriter, req *http.Request) error {
	resp, err := r.b.ContainerInspect(req.Context(), req.PathValue("name"), httputil.BoolValue(req, "size"))
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, legacyInspect(req.Context(), resp))
}

func (r *Router) getContainersLogs(w http.ResponseWriter, req *http.Request) error {
	opts := backend.ContainerLogsOptions{
		Follow:     httputil.BoolValue(req, "follow"),
		Timestamps: httputil.BoolValue(req, "timestamps"),
		Stdout:     httputil.BoolValue(req, "stdout"),
		Stderr:     httputil.BoolValue(req, "stderr"),
		Details:    httputil.BoolValue(req, "details"),
		Tail:       -1,
	}
	if !opts.Stdout && !opts.Stderr {
		return errdefs.InvalidParameter(errors.New("Bad parameters: you must choose at least one stream"))
	}
	if t := req.FormValue("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("invalid value for tail: %q", t))
		}
		opts.Tail = n
	}
	var err error
	if opts.Since, err = backend.ParseTime(req.FormValue("since"), time.Now()); err != nil {
		return err
	}
	if opts.Until, err = backend.ParseTime(req.FormValue("until"), time.Now()); err != nil {
		return err
	}
	return r.b.ContainerLogs(req.Context(), req.PathValue("name"), opts, func(tty bool) (io.Writer, io.Writer) {
		ct := "application/vnd.docker.raw-stream"
		if !tty && !stream.VersionLessThan(req.Context(), "1.42") {
			ct = "application/vnd.docker.multiplexed-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		stream.Flush(w)
		return stream.Writers(stream.FlushWriter{W: w}, !tty)
	})
}

func (r *Router) getContainersTop(w http.ResponseWriter, req *http.Request) error {
	resp, err := r.b.ContainerTop(req.Context(), req.PathValue("name"), req.FormValue("ps_args"))
	return httputil.Answer(w, http.StatusOK, resp, err)
}

func (r *Router) getContainersChanges(w http.ResponseWriter, req *http.Request) error {
	ch, err := r.b.ContainerChanges(req.Context(), req.PathValue("name"))
	if err != nil {
		return err
	}
	ch = httputil.List(ch)
	return httputil.WriteJSON(w, http.StatusOK, ch)
}

type headerOnFirstWrite struct {
	w       http.ResponseWriter
	started bool
}

func (h *headerOnFirstWrite) Write(p []byte) (int, error) {
	if !h.started {
		h.started = true
		h.w.Header().Set("Content-Type", "application/x-tar")
		h.w.WriteHeader(http.StatusOK)
	}
	return h.w.Write(p)
}

func (r *Router) getContainersExport(w http.ResponseWriter, req *http.Request) error {
	hw := &headerOnFirstWrite{w: w}
	if err := r.b.ContainerExport(req.Context(), req.PathValue("name"), hw); err != nil {
		return err
	}
	if !hw.started {
		w.Header().Set("Content-Type", "application/x-tar")
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func setPathStat(w http.ResponseWriter, st *backend.ArchiveStat) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(data))
	return nil
}

func (r *Router) headContainersArchive(w http.ResponseWriter, req *http.Request) error {
	st, err := r.b.ContainerStatPath(req.Context(), req.PathValue("name"), req.FormValue("path"))
	if err != nil {
		return err
	}
	if err := setPathStat(w, st); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (r *Router) getContainersArchive(w http.ResponseWriter, req *http.Request) error {
	rc, st, err := r.b.ContainerArchivePath(req.Context(), req.PathValue("name"), req.FormValue("path"))
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := setPathStat(w, st); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	_, err = io.Copy(w, rc)
	return err
}

func (r *Router) putContainersArchive(w http.ResponseWriter, req *http.Request) error {
	err := r.b.ContainerExtractToDir(req.Context(), req.PathValue("name"), req.FormValue("path"),
		httputil.BoolValue(req, "noOverwriteDirNonDir"), httputil.BoolValue(req, "copyUIDGID"), req.Body)
	return httputil.AnswerStatus(w, http.StatusOK, err)
}

func (r *Router) postContainersStart(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerStart(req.Context(), req.PathValue("name")))
}

func timeoutParam(req *http.Request) (*int, error) {
	s := req.FormValue("t")
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid value for t: %q", s))
	}
	return &n, nil
}

func (r *Router) postContainersStop(w http.ResponseWriter, req *http.Request) error {
	t, err := timeoutParam(req)
	if err != nil {
		return err
	}
	if err := r.b.ContainerStop(req.Context(), req.PathValue("name"), req.FormValue("signal"), t); err != nil {
		if errors.Is(err, errdefs.ErrNotModified) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (r *Router) postContainersRestart(w http.ResponseWriter, req *http.Request) error {
	t, err := timeoutParam(req)
	if err != nil {
		return err
	}
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerRestart(req.Context(), req.PathValue("name"), req.FormValue("signal"), t))
}

func (r *Router) postContainersKill(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerKill(req.Context(), req.PathValue("name"), req.FormValue("signal")))
}

func (r *Router) postContainersPause(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerPause(req.Context(), req.PathValue("name")))
}

func (r *Router) postContainersUnpause(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerUnpause(req.Context(), req.PathValue("name")))
}

func (r *Router) postContainersRename(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerRename(req.Context(), req.PathValue("name"), req.FormValue("name")))
}

func (r *Router) deleteContainers(w http.ResponseWriter, req *http.Request) error {
	if httputil.BoolValue(req, "link") {
		return r.removeLink(w, req, req.PathValue("name"))
	}
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerRemove(req.Context(), req.PathValue("name"), httputil.BoolValue(req, "force"), httputil.BoolValue(req, "v")))
}

// deleteContainersLink serves DELETE /containers/PARENT/ALIAS?link=1
// (`docker rm --link`); without link=1 the two-part name names no
// container.
func (r *Router) deleteContainersLink(w http.ResponseWriter, req *http.Request) error {
	name := req.PathValue("parent") + "/" + req.PathValue("alias")
	if !httputil.BoolValue(req, "link") {
		return errdefs.NotFound(fmt.Errorf("No such container: %s", name))
	}
	return r.removeLink(w, req, name)
}

func (r *Router) removeLink(w http.ResponseWriter, req *http.Request, name string) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.ContainerRemoveLink(req.Context(), name))
}

func (r *Router) postContainersWait(w http.ResponseWriter, req *http.Request) error {
	ch, err := r.b.ContainerWait(req.Context(), req.PathValue("name"), req.FormValue("condition"))
	if err != nil {
		return err
	}
	// The header goes out at once: `docker run` waits for it before start.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	stream.Flush(w)
	select {
	case res := <-ch:
		return json.NewEncoder(w).Encode(res)
	case <-req.Context().Done():
		return nil
	}
}

func (r *Router) postContainersAttach(w http.ResponseWriter, req *http.Request) error {
	opts := backend.ContainerAttachOptions{
		Stream: httputil.BoolValue(req, "stream"), Logs: httputil.BoolValue(req, "logs"),
		Stdin: httputil.BoolValue(req, "stdin"), Stdout: httputil.BoolValue(req, "stdout"), Stderr: httputil.BoolValue(req, "stderr"),
		DetachKeys: req.FormValue("detachKeys"),
	}
	up := stream.NewUpgrade(w, req)
	opts.Open = up.Open
	err := r.b.ContainerAttach(req.Context(), req.PathValue("name"), opts)
	if up.Conn != nil {
		if err != nil {
			fmt.Fprintf(stream.SystemErr(up.Conn), "%v\n", err)
		}
		up.Conn.Close()
		return nil
	}
	return err
}

func (r *Router) postContainersResize(w http.ResponseWriter, req *http.Request) error {
	h, wd, err := httputil.TerminalSize(req)
	if err != nil {
		return err
	}
	if h < 0 || wd < 0 {
		return errdefs.InvalidParameter(errors.New("invalid terminal size"))
	}
	return httputil.AnswerStatus(w, http.StatusOK, r.b.ContainerResize(req.Context(), req.PathValue("name"), uint(h), uint(wd)))
}

func (r *Router) postCommit(w http.ResponseWriter, req *http.Request) error {
	opts := backend.ContainerCommitOptions{
		Repo: req.FormValue("repo"), Tag: req.FormValue("tag"), Comment: req.FormValue("comment"),
		Author: req.FormValue("author"), Changes: req.Form["changes"], Pause: true,
	}
	if req.FormValue("pause") != "" {
		opts.Pause = httputil.BoolValue(req, "pause")
	}
	if err := httputil.ReadJSON(req, &opts.Config); err != nil {
		return err
	}
	id, err := r.b.ContainerCommit(req.Context(), req.FormValue("container"), opts)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusCreated, container.CommitResponse{ID: id})
}

func (r *Router) getContainersStats(w http.ResponseWriter, req *http.Request) error {
	streamOn := req.FormValue("stream") == "" || httputil.BoolValue(req, "stream")
	oneShot := httputil.BoolValue(req, "one-shot")
	started := false
	enc := json.NewEncoder(stream.FlushWriter{W: w})
	return r.b.ContainerStats(req.Context(), req.PathValue("name"), streamOn, oneShot, func(s *container.StatsResponse) error {
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
		}
		return enc.Encode(s)
	})
}

func (r *Router) postContainersUpdate(w http.ResponseWriter, req *http.Request) error {
	var u container.UpdateConfig
	if err := httputil.ReadJSON(req, &u); err != nil {
		return err
	}
	resp, err := r.b.ContainerUpdate(req.Context(), req.PathValue("name"), u)
	if err != nil {
		return err
	}
	resp.Warnings = httputil.List(resp.Warnings)
	return httputil.WriteJSON(w, http.StatusOK, resp)
}
