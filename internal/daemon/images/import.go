package images

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/reference"
)

// ImageImport creates an image from a root filesystem tar: the request body
// when src is "-", else the http(s) URL src (docker import).
func (s *Service) ImageImport(ctx context.Context, src string, body io.Reader, repo, tag, message string, changes []string, platform string) (string, error) {
	ref := ""
	if repo != "" {
		n, err := reference.ParseRepoTag(repo, tag)
		if err != nil {
			return "", err
		}
		ref = n.String()
	}
	opts := image.ImportOptions{Ref: ref, Message: message, Changes: changes, Source: src}
	if platform != "" {
		os, arch, _ := strings.Cut(platform, "/")
		arch, _, _ = strings.Cut(arch, "/")
		opts.OS, opts.Arch = os, arch
	}
	if src != "-" {
		if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
			return "", errdefs.InvalidParameter(fmt.Errorf("import source %q: only - (the request body) and http(s) URLs are supported", src))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return "", errdefs.InvalidParameter(fmt.Errorf("import source %q: %w", src, err))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", errdefs.Unavailable(fmt.Errorf("fetch %s: %w", src, err))
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", errdefs.Unavailable(fmt.Errorf("fetch %s: %s", src, resp.Status))
		}
		body = resp.Body
	}
	id, err := s.store.Import(ctx, body, opts)
	if err != nil {
		return "", err
	}
	s.event("import", id.String(), id.String())
	return id.String(), nil
}
