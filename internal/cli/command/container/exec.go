package container

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/client"
	"github.com/moby/term"
	"github.com/spf13/cobra"
)

type execOptions struct {
	interactive, tty, detach, privileged bool
	env, envFile                         []string
	workdir, user, detachKeys            string
}

// NewExecCommand makes "berth exec".
func NewExecCommand(c command.Cli) *cobra.Command {
	var o execOptions
	cmd := command.NewAPI(c, "exec [OPTIONS] CONTAINER COMMAND [ARG...]", "Run another command inside a running container", command.MinArgs(2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			return exec(c, cmd.Context(), api, args[0], args[1:], o)
		})
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.interactive, "interactive", "i", false, "Keep the standard input open, attached or not")
	f.BoolVarP(&o.tty, "tty", "t", false, "Give the process a terminal")
	f.BoolVarP(&o.detach, "detach", "d", false, "Start the command and return at once")
	f.BoolVar(&o.privileged, "privileged", false, "Give the command all capabilities")
	f.VarP(opts.NewList(&o.env), "env", "e", "Environment variable, KEY=VALUE, or KEY to copy it from this shell")
	f.Var(opts.NewList(&o.envFile), "env-file", "File of KEY=VALUE lines to add to the environment")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Directory to start in, inside the container")
	f.StringVarP(&o.user, "user", "u", "", "User to run as: name|uid[:group|gid]")
	f.StringVar(&o.detachKeys, "detach-keys", "", `Key sequence that detaches (e.g. "ctrl-p,ctrl-q")`)
	return cmd
}

// execConfig builds the exec create request from the flags.
func execConfig(o execOptions, argv []string, lookup func(string) (string, bool)) (client.ExecCreateOptions, error) {
	ec := client.ExecCreateOptions{
		User: o.user, Privileged: o.privileged, TTY: o.tty, WorkingDir: o.workdir,
		Cmd: argv, DetachKeys: o.detachKeys,
	}
	for _, f := range o.envFile {
		lines, err := opts.ParseEnvFile(f, lookup)
		if err != nil {
			return ec, err
		}
		ec.Env = append(ec.Env, lines...)
	}
	for _, e := range o.env {
		v, err := opts.ValidateEnv(e, lookup)
		if err != nil {
			return ec, err
		}
		ec.Env = append(ec.Env, v)
	}
	if !o.detach {
		ec.AttachStdout, ec.AttachStderr = true, true
		ec.AttachStdin = o.interactive
	}
	return ec, nil
}

func exec(c command.Cli, ctx context.Context, api client.APIClient, name string, argv []string, o execOptions) error {
	ec, err := execConfig(o, argv, command.EnvLookup(c))
	if err != nil {
		return err
	}
	if o.detachKeys != "" {
		if _, err := term.ToBytes(o.detachKeys); err != nil {
			return fmt.Errorf("invalid detach keys (%s) provided", o.detachKeys)
		}
	}
	if ec.TTY && ec.AttachStdin {
		if _, ok := streams.TerminalFd(c.In()); !ok {
			return errors.New("the input device is not a TTY")
		}
	}
	var size client.ConsoleSize
	if ec.TTY {
		if sz, ok := streams.ConsoleSize(c.Out()); ok {
			size = client.ConsoleSize{Height: sz[0], Width: sz[1]}
			ec.ConsoleSize = size
		}
	}
	created, err := api.ExecCreate(ctx, name, ec)
	if err != nil {
		return err
	}
	if o.detach {
		_, err := api.ExecStart(ctx, created.ID, client.ExecStartOptions{Detach: true, TTY: ec.TTY, ConsoleSize: size})
		return err
	}
	resp, err := api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{TTY: ec.TTY, ConsoleSize: size})
	if err != nil {
		return err
	}
	defer resp.Close()
	var restore func()
	if ec.TTY {
		restore = streams.SetRaw(c.In(), c.Out(), ec.AttachStdin)
		defer restore()
		stop := streams.MonitorResize(ctx, c.Out(), func(h, w uint) error {
			_, err := api.ExecResize(ctx, created.ID, client.ExecResizeOptions{Height: h, Width: w})
			return err
		})
		defer stop()
	}
	so := localStreams(c, ec.TTY, ec.AttachStdin, o.detachKeys)
	hr := resp.HijackedResponse
	if err := streams.Pump(ctx, &hr, so); err != nil {
		if errors.Is(err, streams.ErrDetached) {
			return nil
		}
		if !errors.Is(err, io.EOF) {
			return err
		}
	}
	if restore != nil {
		restore()
	}
	res, err := api.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return command.StatusError{Code: res.ExitCode}
	}
	return nil
}
