package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/logger"
)

// ContainerLogs streams the container's json-file log.
func (s *Service) ContainerLogs(ctx context.Context, name string, opts backend.ContainerLogsOptions, open func(tty bool) (io.Writer, io.Writer)) error {
	c, err := s.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	tty := c.Config.Tty
	driver := c.HostConfig.LogConfig.Type
	stop := c.StoppedChan()
	path := c.LogPath
	c.Unlock()
	if driver != "" && driver != "json-file" {
		return errdefs.InvalidParameter(fmt.Errorf("configured logging driver does not support reading"))
	}
	stdout, stderr := open(tty)
	err = logger.Read(ctx, path, logger.ReadConfig{
		Tail: opts.Tail, Since: opts.Since, Until: opts.Until, Follow: opts.Follow,
		Stdout: opts.Stdout, Stderr: opts.Stderr, Stop: stop,
	}, func(m logger.Message) error {
		w := stdout
		if m.Stream == logger.Stderr {
			w = stderr
		}
		if opts.Timestamps {
			line := make([]byte, 0, len(m.Line)+36)
			line = m.Time.UTC().AppendFormat(line, time.RFC3339Nano)
			line = append(line, ' ')
			line = append(line, m.Line...)
			_, err := w.Write(line)
			return err
		}
		_, err := w.Write(m.Line)
		return err
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
