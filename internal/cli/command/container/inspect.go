package container

import (
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// Inspector fetches one container (size: with its filesystem sizes).
func Inspector(api client.APIClient, size bool) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		res, err := api.ContainerInspect(ctx, name, client.ContainerInspectOptions{Size: size})
		return command.Inspected(res.Container, res.Raw, err)
	}
}

// NewContainerInspectCommand makes "berth container inspect".
func NewContainerInspectCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	var size bool
	cmd := command.NewInspectCommand(c, "inspect [OPTIONS] CONTAINER [CONTAINER...]", "Print the full description of containers as JSON", &fmtStr,
		func(api client.APIClient) (command.InspectFunc, error) { return Inspector(api, size), nil })
	cmd.Flags().BoolVarP(&size, "size", "s", false, command.SizeFlagUsage)
	return cmd
}
