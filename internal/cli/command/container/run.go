package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/moby/term"
	"github.com/spf13/cobra"
)

type runOptions struct {
	detach     bool
	sigProxy   bool
	detachKeys string
	quiet      bool
}

// NewRunCommand makes "berth run".
func NewRunCommand(c command.Cli) *cobra.Command {
	o := &containerOptions{}
	ro := &runOptions{}
	cmd := command.New("run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Start a new container from an image and run its command", command.MinArgs(1),
		func(cmd *cobra.Command, args []string) error {
			return runContainer(c, cmd.Context(), o, ro, args)
		})
	f := cmd.Flags()
	addContainerFlags(f, o)
	f.BoolVarP(&ro.detach, "detach", "d", false, "Start the container and print its ID, without attaching")
	f.BoolVar(&ro.sigProxy, "sig-proxy", true, "Pass the signals berth receives to the container")
	f.StringVar(&ro.detachKeys, "detach-keys", "", `Key sequence that detaches (e.g. "ctrl-p,ctrl-q")`)
	f.BoolVarP(&ro.quiet, "quiet", "q", false, "Print nothing while pulling the image")
	return cmd
}

// runExitError maps a failure of run to docker's exit status: 127 when the
// command was not found, 126 when it could not be invoked, 125 otherwise.
func runExitError(err error) error {
	msg := err.Error()
	code := 125
	switch {
	case strings.Contains(msg, "executable file not found") || strings.Contains(msg, "no such file or directory") ||
		strings.Contains(msg, "system cannot find the file specified"):
		code = 127
	case strings.Contains(msg, "permission denied") || strings.Contains(msg, "is a directory"):
		code = 126
	}
	return command.StatusError{Status: withHelp(err, "run"), Code: code}
}

func runContainer(c command.Cli, ctx context.Context, o *containerOptions, ro *runOptions, args []string) error {
	req, err := parseContainer(o, args, ro.detach, command.EnvLookup(c))
	if err != nil {
		return command.StatusError{Status: withHelp(err, "run"), Code: 125}
	}
	if ro.detachKeys != "" {
		if _, err := term.ToBytes(ro.detachKeys); err != nil {
			return command.StatusError{Status: withHelp(fmt.Errorf("invalid detach keys (%s) provided", ro.detachKeys), "run"), Code: 125}
		}
	}
	cfg := req.Config
	if !ro.detach && cfg.Tty && cfg.AttachStdin {
		if _, ok := streams.TerminalFd(c.In()); !ok {
			return errors.New("the input device is not a TTY")
		}
	}
	if ro.detach {
		cfg.AttachStdin, cfg.AttachStdout, cfg.AttachStderr, cfg.StdinOnce = false, false, false, false
	}
	api, err := c.Client(ctx)
	if err != nil {
		return runExitError(err)
	}
	o.quietPull = ro.quiet
	id, err := createContainer(c, ctx, api, req, o)
	if err != nil {
		return runExitError(err)
	}
	if ro.sigProxy && !cfg.Tty && !ro.detach {
		stop := proxySignals(ctx, api, id)
		defer stop()
	}

	attach := cfg.AttachStdin || cfg.AttachStdout || cfg.AttachStderr
	var streamErr chan error
	var restore func()
	if attach {
		resp, err := api.ContainerAttach(ctx, id, client.ContainerAttachOptions{
			Stream: true, Stdin: cfg.AttachStdin, Stdout: cfg.AttachStdout, Stderr: cfg.AttachStderr,
			DetachKeys: ro.detachKeys,
		})
		if err != nil {
			return runExitError(err)
		}
		defer resp.Close()
		so := localStreams(c, cfg.Tty, cfg.AttachStdin, ro.detachKeys)
		if !cfg.AttachStdout {
			so.Stdout = io.Discard
		}
		if !cfg.AttachStderr {
			so.Stderr = io.Discard
		}
		if cfg.Tty {
			restore = streams.SetRaw(c.In(), c.Out(), cfg.AttachStdin)
			defer restore()
		}
		streamErr = make(chan error, 1)
		hr := resp.HijackedResponse
		go func() { streamErr <- streams.Pump(ctx, &hr, so) }()
	}

	cond := container.WaitConditionNextExit
	if req.HostConfig.AutoRemove {
		cond = container.WaitConditionRemoved
	}
	var wait client.ContainerWaitResult
	if !ro.detach {
		wait = api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: cond})
	}

	if _, err := api.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		if restore != nil {
			restore()
		}
		if req.HostConfig.AutoRemove {
			api.ContainerRemove(context.WithoutCancel(ctx), id, client.ContainerRemoveOptions{Force: true})
		}
		return runExitError(err)
	}
	if ro.detach {
		fmt.Fprintln(c.Out(), id)
		return nil
	}
	if cfg.Tty {
		stop := resizeContainer(ctx, c, api, id)
		defer stop()
	}
	if streamErr != nil {
		if err := <-streamErr; err != nil {
			if errors.Is(err, streams.ErrDetached) {
				if restore != nil {
					restore()
				}
				return nil
			}
			return command.StatusError{Status: err.Error(), Code: 125}
		}
	}
	if restore != nil {
		restore()
	}
	select {
	case res := <-wait.Result:
		if res.Error != nil && res.Error.Message != "" {
			return command.StatusError{Status: res.Error.Message, Code: 125}
		}
		if res.StatusCode != 0 {
			return command.StatusError{Code: int(res.StatusCode)}
		}
		return nil
	case err := <-wait.Error:
		return command.StatusError{Status: err.Error(), Code: 125}
	}
}
