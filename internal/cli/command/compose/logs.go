package compose

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/streams"
	engine "github.com/berth/berth/internal/compose"
)

type logOptions struct {
	follow, timestamps, noColor, noPrefix bool
	tail                                  string
}

func newLogsCommand(c command.Cli, g *globals) *cobra.Command {
	var o logOptions
	cmd := command.NewAPI(c, "logs [OPTIONS] [SERVICE...]", "Show the output of the project's containers", nil,
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			_, name, err := g.projectName(cmd.Context(), c)
			if err != nil {
				return err
			}
			return followLogs(cmd.Context(), c, newEngine(c, api), name, args, o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.follow, "follow", "f", false, "Follow the output")
	f.StringVarP(&o.tail, "tail", "n", "all", "Number of lines from the end of each container's log")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Show timestamps")
	f.BoolVar(&o.noColor, "no-color", false, "Do not colour the prefixes")
	f.BoolVar(&o.noPrefix, "no-log-prefix", false, "Do not prefix lines with the container's name")
	return cmd
}

// colours are the prefix colours docker compose cycles through.
var colours = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

// followLogs prints the logs of the services' containers (one-off ones
// left out), each line prefixed with its container's name, coloured on a
// terminal.
func followLogs(ctx context.Context, c command.Cli, e *engine.Engine, project string, services []string, o logOptions) error {
	cs, err := e.Containers(ctx, project, false, services...)
	if err != nil {
		return err
	}
	// Lines are prefixed with the container's name without the project's,
	// as docker compose does: "web-1 | …".
	short := func(ct container.Summary) string { return strings.TrimPrefix(engine.Name(ct), project+"-") }
	width := 0
	for _, ct := range cs {
		width = max(width, len(short(ct)))
	}
	_, tty := streams.TerminalFd(c.Out())
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(cs))
	for i, ct := range cs {
		prefix := ""
		if !o.noPrefix {
			prefix = fmt.Sprintf("%-*s | ", width, short(ct))
			if tty && !o.noColor {
				prefix = "\x1b[" + colours[i%len(colours)] + "m" + prefix + "\x1b[0m"
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- containerLogs(ctx, e.API, ct, o, &lineWriter{out: c.Out(), prefix: prefix, mu: &mu})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func containerLogs(ctx context.Context, api client.APIClient, ct container.Summary, o logOptions, w *lineWriter) error {
	info, err := api.ContainerInspect(ctx, ct.ID, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	rc, err := api.ContainerLogs(ctx, ct.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true,
		Follow: o.follow, Tail: o.tail, Timestamps: o.timestamps})
	if err != nil {
		return err
	}
	defer rc.Close()
	if info.Container.Config != nil && info.Container.Config.Tty {
		_, err = io.Copy(w, rc)
	} else {
		_, err = stdcopy.StdCopy(w, w, rc)
	}
	w.flush()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// lineWriter writes whole lines, each after its prefix, to a shared out.
type lineWriter struct {
	out    io.Writer
	prefix string
	mu     *sync.Mutex
	buf    []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.emit(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) emit(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintln(w.out, w.prefix+strings.TrimSuffix(line, "\r"))
}
