package procs

import (
	"context"
	"errors"
	"io"

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
	if !logger.Readable(driver) {
		return errNotReadable
	}
	stdout, stderr := open(tty)
	err = logger.Read(ctx, path, logger.ReadConfig{
		Tail: opts.Tail, Since: opts.Since, Until: opts.Until, Follow: opts.Follow,
		Stdout: opts.Stdout, Stderr: opts.Stderr, Stop: stop, Driver: driver,
	}, func(m logger.Message) error {
		w := stdout
		if m.Stream == logger.Stderr {
			w = stderr
		}
		if !opts.Timestamps && !opts.Details {
			_, err := w.Write(m.Line)
			return err
		}
		// dockerd's order: time, attributes, line.
		line := make([]byte, 0, len(m.Line)+64)
		if opts.Timestamps {
			line = m.Time.UTC().AppendFormat(line, logger.TimestampFormat)
			line = append(line, ' ')
		}
		if opts.Details {
			line = append(append(line, logger.Details(m.Attrs)...), ' ')
		}
		line = append(line, m.Line...)
		_, err := w.Write(line)
		return err
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// errNotReadable is dockerd's answer to logs of a container whose driver
// keeps nothing berth can read (none, syslog, journald).
var errNotReadable = errdefs.InvalidParameter(errors.New("configured logging driver does not support reading"))
