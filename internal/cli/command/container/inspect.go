package container

import (
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func Inspector(api client.APIClient, size bool) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		res, err := api.ContainerInspect(ctx, name, client.ContainerInspectOptions{Size: size})
		if err != nil {
			return nil, nil, err
		}
		return res.Container, res.Raw, nil
	}
}

func NewContainerInspectCommand(c command.Cli) *cobra.Command {
	var o command.InspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Display detailed information on one or more containers",
		Args:  command.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			return command.Inspect(c, cmd.Context(), args, o.Format, Inspector(api, o.Size))
		},
	}
	command.AddInspectFlags(cmd, &o)
	return cmd
}
