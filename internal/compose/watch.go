package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
)

// watched is one develop.watch trigger of a service and the files it saw.
type watched struct {
	service string
	trigger types.Trigger
	seen    map[string]time.Time
}

// Watch polls the paths of the services' develop.watch triggers and, on
// a change, syncs the changed files into the service's containers,
// restarts them, or rebuilds the image and recreates them, until ctx ends.
func (e *Engine) Watch(ctx context.Context, p *types.Project, services []string) error {
	var ws []*watched
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Develop == nil || len(services) > 0 && !slices.Contains(services, name) {
			continue
		}
		for _, t := range s.Develop.Watch {
			w := &watched{service: name, trigger: t}
			w.seen, _ = scan(t)
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return fmt.Errorf("none of the selected services is configured for watch, consider setting a 'develop' section")
	}
	if e.Progress != nil {
		fmt.Fprintln(e.Progress, "Watch enabled")
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(300 * time.Millisecond):
		}
		for _, w := range ws {
			now, err := scan(w.trigger)
			if err != nil {
				continue
			}
			var changed []string
			for f, t := range now {
				if old, ok := w.seen[f]; !ok || !old.Equal(t) {
					changed = append(changed, f)
				}
			}
			w.seen = now
			if len(changed) > 0 {
				if err := e.act(ctx, p, w, changed); err != nil {
					return err
				}
			}
		}
	}
}

// scan lists the regular files under a trigger's path (not ignored) with
// their modification times.
func scan(t types.Trigger) (map[string]time.Time, error) {
	files := map[string]time.Time{}
	err := filepath.WalkDir(t.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(t.Path, p)
		for _, pat := range t.Ignore {
			if m, _ := filepath.Match(pat, rel); m {
				return nil
			}
			if m, _ := filepath.Match(pat, d.Name()); m {
				return nil
			}
		}
		info, err := d.Info()
		if err == nil {
			files[p] = info.ModTime()
		}
		return nil
	})
	return files, err
}

func (e *Engine) act(ctx context.Context, p *types.Project, w *watched, changed []string) error {
	s := p.Services[w.service]
	cs, err := e.Containers(ctx, p.Name, false, w.service)
	if err != nil {
		return err
	}
	switch w.trigger.Action {
	case types.WatchActionRebuild:
		if err := e.BuildService(ctx, p, s); err != nil {
			e.event("Service", w.service, "Build failed, running containers kept: "+err.Error())
			return nil
		}
		return e.converge(ctx, p, s, UpOptions{ForceRecreate: true})
	case types.WatchActionSync, types.WatchActionSyncRestart:
		for _, ct := range cs {
			if err := e.sync(ctx, ct.ID, w.trigger, changed); err != nil {
				return err
			}
		}
		e.event("Service", w.service, fmt.Sprintf("Synced %d file(s)", len(changed)))
		if w.trigger.Action == types.WatchActionSync {
			return nil
		}
	}
	for _, ct := range cs {
		if _, err := e.API.ContainerRestart(ctx, ct.ID, client.ContainerRestartOptions{}); err != nil {
			return err
		}
		e.event("Container", Name(ct), "Restarted")
	}
	return nil
}

// sync copies the changed files into the container under the trigger's
// target, as one tar rooted at /.
func (e *Engine) sync(ctx context.Context, id string, t types.Trigger, changed []string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range changed {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // gone since the scan
		}
		rel, _ := filepath.Rel(t.Path, f)
		if rel == "." {
			rel = ""
		}
		name := path.Join(t.Target, filepath.ToSlash(rel))
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Now()}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err := e.API.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf})
	return err
}
