package container

import (
	"context"
	"io"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

type logsOptions struct {
	follow, timestamps, details bool
	since, until, tail          string
}

// NewLogsCommand makes "berth logs".
func NewLogsCommand(c command.Cli) *cobra.Command {
	var o logsOptions
	cmd := command.NewAPI(c, "logs [OPTIONS] CONTAINER", "Print what a container wrote to its output", command.ExactArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			return logs(c, cmd.Context(), api, args[0], o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.follow, "follow", "f", false, "Keep printing new lines as they come")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Prefix each line with its timestamp")
	f.BoolVar(&o.details, "details", false, "Show the extra attributes the log driver recorded")
	f.StringVar(&o.since, "since", "", `Only lines from this time on: a timestamp (e.g. "2024-01-02T13:23:37Z") or an age (e.g. "42m")`)
	f.StringVar(&o.until, "until", "", `Only lines before this time: a timestamp (e.g. "2024-01-02T13:23:37Z") or an age (e.g. "42m")`)
	f.StringVarP(&o.tail, "tail", "n", "all", `How many of the last lines to show ("all": every line)`)
	return cmd
}

func logs(c command.Cli, ctx context.Context, api client.APIClient, name string, o logsOptions) error {
	info, err := api.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	rc, err := api.ContainerLogs(ctx, info.Container.ID, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Since: o.since, Until: o.until,
		Timestamps: o.timestamps, Follow: o.follow, Tail: o.tail, Details: o.details,
	})
	if err != nil {
		return err
	}
	defer rc.Close()
	if info.Container.Config != nil && info.Container.Config.Tty {
		_, err = io.Copy(c.Out(), rc)
	} else {
		_, err = stdcopy.StdCopy(c.Out(), c.Err(), rc)
	}
	return err
}
