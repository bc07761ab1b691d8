package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/builder/contexts"
	"github.com/berth/berth/internal/builder/dockerfile"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/reference"
)

// buildError keeps a RUN step's exit code for the error message.
type buildError struct{ err *dockerfile.ExitError }

func (e buildError) Error() string { return e.err.Error() }
func (e buildError) ExitCode() int { return e.err.Code }

// Build unpacks the context stream to disk and runs the classic builder.
func (s *Service) Build(ctx context.Context, body io.Reader, o backend.BuildOptions, out io.Writer, imageID func(string)) error {
	tags := make([]string, 0, len(o.Tags))
	for _, t := range o.Tags {
		n, err := reference.Normalize(t)
		if err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("invalid tag %q: %w", t, err))
		}
		tags = append(tags, reference.Familiar(n))
	}
	cache, err := s.buildCache()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.tmpDir(), 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(s.tmpDir(), "build-")
	if err != nil {
		return err
	}
	// The context is removed after the answer, not before it.
	defer func() { go os.RemoveAll(tmp) }()
	t0 := time.Now()
	bc, release, err := s.contexts.Receive(body, contexts.Source{LocalDir: o.LocalDir, Dockerfile: o.Dockerfile, Tags: tags}, tmp)
	if err != nil {
		return err
	}
	defer release()
	t1 := time.Now()
	defer func() { s.log.Debug("build", "context", t1.Sub(t0), "steps", time.Since(t1)) }()
	bl := dockerfile.New(&steps{s: s}, cache)
	o.Tags = tags
	_, err = bl.Build(ctx, bc, dockerfile.Options{BuildOptions: o, OnImage: imageID}, out)
	var pe *dockerfile.ParseError
	var ee *dockerfile.ExitError
	switch {
	case errors.As(err, &pe):
		return errdefs.InvalidParameter(err)
	case errors.As(err, &ee):
		return buildError{ee}
	}
	return err
}
