package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/client"
)

// SaveArchive writes the archive that open returns (save, export) to path,
// the -o flag, or to the standard output when path is empty or "-". An
// empty path with a terminal as standard output is refused before the
// daemon is asked; a failed write is reported as "failed to <what>".
func SaveArchive(ctx context.Context, c Cli, path, what string, open func(context.Context, client.APIClient) (io.ReadCloser, error)) error {
	if path == "" {
		if _, ok := streams.TerminalFd(c.Out()); ok {
			// docker's words, which scripts may match
			return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
		}
	}
	api, err := c.Client(ctx)
	if err != nil {
		return err
	}
	rc, err := open(ctx, api)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := writeFileOrStdout(c, path, rc); err != nil {
		return fmt.Errorf("failed to %s: %w", what, err)
	}
	return nil
}

// writeFileOrStdout copies r to path, or to c.Out() when path is "" or "-".
func writeFileOrStdout(c Cli, path string, r io.Reader) error {
	if path == "" || path == "-" {
		_, err := io.Copy(c.Out(), r)
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
