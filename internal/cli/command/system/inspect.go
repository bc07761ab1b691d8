package system

import (
	"context"
	"fmt"

	"github.com/berth/berth/internal/cli/command"
	containercmd "github.com/berth/berth/internal/cli/command/container"
	imagecmd "github.com/berth/berth/internal/cli/command/image"
	networkcmd "github.com/berth/berth/internal/cli/command/network"
	volumecmd "github.com/berth/berth/internal/cli/command/volume"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/spf13/cobra"
)

func NewInspectCommand(c command.Cli) *cobra.Command {
	var o command.InspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on Docker objects",
		Args:  command.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			var get command.InspectFunc
			switch o.Type {
			case "":
				chain := []command.InspectFunc{containercmd.Inspector(api, o.Size), imagecmd.Inspector(api),
					networkcmd.Inspector(api, false), volumecmd.Inspector(api)}
				get = func(ctx context.Context, name string) (any, []byte, error) {
					for _, try := range chain {
						v, raw, err := try(ctx, name)
						if err == nil || !cerrdefs.IsNotFound(err) {
							return v, raw, err
						}
					}
					return nil, nil, fmt.Errorf("Error: No such object: %s", name)
				}
			case "container":
				get = containercmd.Inspector(api, o.Size)
			case "image":
				get = imagecmd.Inspector(api)
			case "network":
				get = networkcmd.Inspector(api, false)
			case "volume":
				get = volumecmd.Inspector(api)
			default:
				return fmt.Errorf("%q is not a valid value for --type", o.Type)
			}
			return command.Inspect(c, cmd.Context(), args, o.Format, get)
		},
	}
	command.AddInspectFlags(cmd, &o)
	cmd.Flags().StringVar(&o.Type, "type", "", "Only inspect objects of the given type")
	return cmd
}
