package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// addStopFlags adds the flags stop and restart share: -t/--timeout (and
// its deprecated --time) and -s/--signal.
func addStopFlags(cmd *cobra.Command, timeout *int, signal *string) {
	cmd.Flags().IntVarP(timeout, "timeout", "t", 0, "Seconds to wait after the stop signal before killing")
	cmd.Flags().IntVar(timeout, "time", 0, "Seconds to wait after the stop signal before killing (old name of --timeout)")
	cmd.Flags().MarkHidden("time")
	cmd.Flags().StringVarP(signal, "signal", "s", "", "Signal to send (name or number)")
}

// stopTimeout returns timeout when the user gave one, nil for the daemon's
// (or the container's) default.
func stopTimeout(cmd *cobra.Command, timeout *int) *int {
	if cmd.Flags().Changed("timeout") || cmd.Flags().Changed("time") {
		return timeout
	}
	return nil
}

// containerVerb is a command that applies do to each named container,
// in parallel, printing the names done and the errors as docker does
// (command.ForEach).
func containerVerb(c command.Cli, use, short string, do func(cmd *cobra.Command, api client.APIClient, name string) error) *cobra.Command {
	return command.NewAPI(c, use, short, command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			return command.ForEach(c, args, func(n string) error { return do(cmd, api, n) })
		})
}

// stopVerb is stop or restart: a containerVerb with the stop flags; do
// gets the --signal and the --timeout (nil when not given).
func stopVerb(c command.Cli, use, short string, do func(ctx context.Context, api client.APIClient, name, signal string, timeout *int) error) *cobra.Command {
	var timeout int
	var signal string
	cmd := containerVerb(c, use, short, func(cmd *cobra.Command, api client.APIClient, n string) error {
		return do(cmd.Context(), api, n, signal, stopTimeout(cmd, &timeout))
	})
	addStopFlags(cmd, &timeout, &signal)
	return cmd
}

// NewStopCommand makes "berth stop".
func NewStopCommand(c command.Cli) *cobra.Command {
	return stopVerb(c, "stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop running containers: a signal, then a kill after the timeout",
		func(ctx context.Context, api client.APIClient, n, signal string, timeout *int) error {
			_, err := api.ContainerStop(ctx, n, client.ContainerStopOptions{Signal: signal, Timeout: timeout})
			return err
		})
}

// NewRestartCommand makes "berth restart".
func NewRestartCommand(c command.Cli) *cobra.Command {
	return stopVerb(c, "restart [OPTIONS] CONTAINER [CONTAINER...]", "Stop containers and start them again",
		func(ctx context.Context, api client.APIClient, n, signal string, timeout *int) error {
			_, err := api.ContainerRestart(ctx, n, client.ContainerRestartOptions{Signal: signal, Timeout: timeout})
			return err
		})
}

// NewKillCommand makes "berth kill".
func NewKillCommand(c command.Cli) *cobra.Command {
	var signal string
	cmd := containerVerb(c, "kill [OPTIONS] CONTAINER [CONTAINER...]", "Send a signal to running containers (SIGKILL unless -s says otherwise)",
		func(cmd *cobra.Command, api client.APIClient, n string) error {
			_, err := api.ContainerKill(cmd.Context(), n, client.ContainerKillOptions{Signal: signal})
			return err
		})
	cmd.Flags().StringVarP(&signal, "signal", "s", "", "Signal to send (name or number)")
	return cmd
}

// NewRmCommand makes "berth rm".
func NewRmCommand(c command.Cli) *cobra.Command {
	var o client.ContainerRemoveOptions
	cmd := command.NewAPI(c, "rm [OPTIONS] CONTAINER [CONTAINER...]", "Delete containers", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			for i, n := range args {
				args[i] = strings.Trim(n, "/")
			}
			return command.Failures{Force: o.Force}.ForEach(c, args, func(n string) error {
				if n == "" {
					return errors.New("Container name cannot be empty")
				}
				_, err := api.ContainerRemove(cmd.Context(), n, o)
				return err
			})
		})
	f := cmd.Flags()
	f.BoolVarP(&o.Force, "force", "f", false, "Kill the container first (SIGKILL) if it is running")
	f.BoolVarP(&o.RemoveVolumes, "volumes", "v", false, "Remove its anonymous volumes too")
	f.BoolVarP(&o.RemoveLinks, "link", "l", false, "Remove the link, not the container")
	return cmd
}

// NewPauseCommand makes "berth pause".
func NewPauseCommand(c command.Cli) *cobra.Command {
	return containerVerb(c, "pause CONTAINER [CONTAINER...]", "Freeze every process of containers",
		func(cmd *cobra.Command, api client.APIClient, n string) error {
			_, err := api.ContainerPause(cmd.Context(), n, client.ContainerPauseOptions{})
			return err
		})
}

// NewUnpauseCommand makes "berth unpause".
func NewUnpauseCommand(c command.Cli) *cobra.Command {
	return containerVerb(c, "unpause CONTAINER [CONTAINER...]", "Let the processes of paused containers run again",
		func(cmd *cobra.Command, api client.APIClient, n string) error {
			_, err := api.ContainerUnpause(cmd.Context(), n, client.ContainerUnpauseOptions{})
			return err
		})
}

// NewWaitCommand makes "berth wait".
func NewWaitCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "wait CONTAINER [CONTAINER...]", "Wait for containers to stop and print their exit codes", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			var fs command.Failures
			for _, n := range args {
				if code, err := waitExit(cmd.Context(), api, n, container.WaitConditionNotRunning); fs.OK(c, err) {
					fmt.Fprintln(c.Out(), code)
				}
			}
			return fs.Err()
		})
}

func waitExit(ctx context.Context, api client.APIClient, id string, cond container.WaitCondition) (int64, error) {
	w := api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: cond})
	select {
	case r := <-w.Result:
		if r.Error != nil && r.Error.Message != "" {
			return r.StatusCode, errors.New(r.Error.Message)
		}
		return r.StatusCode, nil
	case err := <-w.Error:
		return 0, err
	}
}

// NewRenameCommand makes "berth rename".
func NewRenameCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "rename CONTAINER NEW_NAME", "Rename a container", command.ExactArgs(2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			oldName, newName := strings.TrimSpace(args[0]), strings.TrimSpace(args[1])
			if oldName == "" || newName == "" {
				return errors.New("Error: Neither old nor new names may be empty")
			}
			if _, err := api.ContainerRename(cmd.Context(), oldName, client.ContainerRenameOptions{NewName: newName}); err != nil {
				return fmt.Errorf("%w\nError: failed to rename container named %s", err, oldName)
			}
			return nil
		})
}

// NewTopCommand makes "berth top".
func NewTopCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "top CONTAINER [ps OPTIONS]", "List the processes running in a container", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			res, err := api.ContainerTop(cmd.Context(), args[0], client.ContainerTopOptions{Arguments: args[1:]})
			if err != nil {
				return err
			}
			return renderTop(c.Out(), res.Titles, res.Processes)
		})
}

// NewDiffCommand makes "berth diff".
func NewDiffCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "diff CONTAINER", "List the files a container added, changed or deleted", command.ExactArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			res, err := api.ContainerDiff(cmd.Context(), args[0], client.ContainerDiffOptions{})
			if err != nil {
				return err
			}
			for _, ch := range res.Changes {
				fmt.Fprintf(c.Out(), "%s %s\n", changeKind(ch.Kind), ch.Path)
			}
			return nil
		})
}

func changeKind(k container.ChangeType) string {
	switch k {
	case container.ChangeAdd:
		return "A"
	case container.ChangeDelete:
		return "D"
	default:
		return "C"
	}
}

// NewExportCommand makes "berth export".
func NewExportCommand(c command.Cli) *cobra.Command {
	var output string
	cmd := command.New("export [OPTIONS] CONTAINER", "Write a container's filesystem out as a tar archive", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			return command.SaveArchive(cmd.Context(), c, output, "export container", func(ctx context.Context, api client.APIClient) (io.ReadCloser, error) {
				return api.ContainerExport(ctx, args[0], client.ContainerExportOptions{})
			})
		})
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to this file rather than standard output")
	return cmd
}

// NewCommitCommand makes "berth commit".
func NewCommitCommand(c command.Cli) *cobra.Command {
	var o client.ContainerCommitOptions
	var pause bool
	cmd := command.NewAPI(c, "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Save a container's filesystem changes as a new image", command.RangeArgs(1, 2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			if len(args) == 2 {
				o.Reference = args[1]
			}
			o.NoPause = !pause
			res, err := api.ContainerCommit(cmd.Context(), args[0], o)
			return command.PrintMade(c, res.ID, err)
		})
	f := cmd.Flags()
	f.StringVarP(&o.Author, "author", "a", "", `Author of the image (e.g. "Jane Doe <jane@example.com>")`)
	f.VarP(opts.NewList(&o.Changes), "change", "c", `Dockerfile instruction to apply to the image (e.g. "ENV A=1")`)
	f.StringVarP(&o.Comment, "message", "m", "", "Message to record with the commit")
	f.BoolVarP(&pause, "pause", "p", true, "Pause the container while committing")
	return cmd
}

// NewPortCommand makes "berth port".
func NewPortCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "port CONTAINER [PRIVATE_PORT[/PROTO]]", "Show the host addresses a container's ports are published on", command.RangeArgs(1, 2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			res, err := api.ContainerInspect(cmd.Context(), args[0], client.ContainerInspectOptions{})
			if err != nil {
				return err
			}
			var filter string
			if len(args) == 2 {
				filter = args[1]
				if !strings.Contains(filter, "/") {
					filter += "/tcp"
				}
			}
			lines, found := portLines(res.Container.NetworkSettings, filter)
			if filter != "" && !found {
				return fmt.Errorf("Error: No public port '%s' published for %s", filter, args[0])
			}
			for _, l := range lines {
				fmt.Fprintln(c.Out(), l)
			}
			return nil
		})
}

// NewUpdateCommand makes "berth update".
func NewUpdateCommand(c command.Cli) *cobra.Command {
	var memory, memoryReservation opts.MemBytes
	var memorySwap opts.MemSwapBytes
	var cpus opts.NanoCPUs
	var restart string
	var cpuShares, cpuPeriod, cpuQuota, pidsLimit int64
	var cpusetCpus, cpusetMems string
	var blkioWeight uint16
	cmd := command.New("update [OPTIONS] CONTAINER [CONTAINER...]", "Change the resource limits or restart policy of containers", command.MinArgs(1),
		func(cmd *cobra.Command, args []string) error {
			r := &container.Resources{Memory: int64(memory), MemorySwap: int64(memorySwap),
				MemoryReservation: int64(memoryReservation), NanoCPUs: int64(cpus)}
			var rp *container.RestartPolicy
			if cmd.Flags().Changed("restart") {
				p, err := opts.ParseRestartPolicy(restart)
				if err != nil {
					return err
				}
				rp = &p
			}
			r.CPUShares, r.CPUPeriod, r.CPUQuota = cpuShares, cpuPeriod, cpuQuota
			r.CpusetCpus, r.CpusetMems = cpusetCpus, cpusetMems
			r.BlkioWeight = blkioWeight
			if cmd.Flags().Changed("pids-limit") {
				v := pidsLimit
				r.PidsLimit = &v
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			return command.ForEach(c, args, func(n string) error {
				res, err := api.ContainerUpdate(cmd.Context(), n, client.ContainerUpdateOptions{Resources: r, RestartPolicy: rp})
				for _, w := range res.Warnings {
					fmt.Fprintln(c.Err(), w)
				}
				return err
			})
		})
	f := cmd.Flags()
	f.VarP(&memory, "memory", "m", "Most memory the container may use (e.g. 512m, 2g)")
	f.Var(&memorySwap, "memory-swap", "Memory plus swap the container may use; -1: no swap limit")
	f.Var(&memoryReservation, "memory-reservation", "Soft memory limit, below --memory (e.g. 256m)")
	f.Var(&cpus, "cpus", "CPUs the container may use, fractions allowed (e.g. 1.5)")
	f.Int64VarP(&cpuShares, "cpu-shares", "c", 0, "CPU weight relative to other containers")
	f.Int64Var(&cpuPeriod, "cpu-period", 0, "CFS scheduler period, in microseconds")
	f.Int64Var(&cpuQuota, "cpu-quota", 0, "CPU time per CFS period, in microseconds")
	f.StringVar(&cpusetCpus, "cpuset-cpus", "", "CPUs the container may run on (e.g. 0-3 or 0,1)")
	f.StringVar(&cpusetMems, "cpuset-mems", "", "Memory nodes the container may use (e.g. 0-3 or 0,1)")
	f.Int64Var(&pidsLimit, "pids-limit", 0, "Most processes the container may have (-1: no limit)")
	f.Uint16Var(&blkioWeight, "blkio-weight", 0, "Block I/O weight, 10 to 1000 (0: unset)")
	f.StringVar(&restart, "restart", "", "When to restart the container after it exits: no, always, unless-stopped, on-failure[:N]")
	return cmd
}
