package images

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	dref "github.com/distribution/reference"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// PullForBuild pulls a base image for FROM (missing locally, or --pull) as
// the classic builder does, writing the pull's status lines ("latest:
// Pulling from …", "Digest: …", "Status: …") as build output. Per-layer
// progress is left out of the build stream.
func (s *Service) PullForBuild(ctx context.Context, name string, out io.Writer) error {
	named, err := dref.ParseNormalizedNamed(name)
	if err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("invalid reference format: %s", name))
	}
	named = dref.TagNameOnly(named)
	pr, pw := io.Pipe()
	done := make(chan struct{})
	recovery.Go(s.log, "pull progress of "+name, func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			var m struct {
				ID       string `json:"id"`
				Status   string `json:"status"`
				Progress string `json:"progress"`
			}
			if json.Unmarshal(sc.Bytes(), &m) != nil || m.Status == "" || m.Progress != "" {
				continue
			}
			switch {
			case strings.HasPrefix(m.Status, "Pulling from"), strings.HasPrefix(m.Status, "Digest:"), strings.HasPrefix(m.Status, "Status:"):
				if out != nil {
					if m.ID != "" {
						fmt.Fprintf(out, "%s: %s\n", m.ID, m.Status)
					} else {
						fmt.Fprintln(out, m.Status)
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}, func(err error) { pr.CloseWithError(err) })
	tag := ""
	if t, ok := named.(dref.Tagged); ok {
		tag = t.Tag()
	}
	repo := named.Name()
	if c, ok := named.(dref.Canonical); ok {
		repo, tag = named.Name(), c.Digest().String()
	}
	err = s.ImagePull(ctx, repo, tag, "", "", pw)
	pw.Close()
	<-done
	return err
}
