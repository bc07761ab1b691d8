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
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewInspectCommand makes "berth inspect".
func NewInspectCommand(c command.Cli) *cobra.Command {
	var fmtStr, typ string
	var size bool
	cmd := command.NewInspectCommand(c, "inspect [OPTIONS] NAME|ID [NAME|ID...]", "Print the full description of containers, images, networks or volumes as JSON", &fmtStr,
		func(api client.APIClient) (command.InspectFunc, error) { return inspector(api, typ, size) })
	cmd.Flags().BoolVarP(&size, "size", "s", false, command.SizeFlagUsage)
	cmd.Flags().StringVar(&typ, "type", "", "Look only for objects of this type (container, image, network or volume)")
	return cmd
}

// inspector fetches an object of type typ, or with no type the first
// container, image, network or volume of that name.
func inspector(api client.APIClient, typ string, size bool) (command.InspectFunc, error) {
	switch typ {
	case "":
		chain := []command.InspectFunc{containercmd.Inspector(api, size), imagecmd.Inspector(api),
			networkcmd.Inspector(api, false), volumecmd.Inspector(api)}
		return func(ctx context.Context, name string) (any, []byte, error) {
			for _, try := range chain {
				v, raw, err := try(ctx, name)
				if err == nil || !cerrdefs.IsNotFound(err) {
					return v, raw, err
				}
			}
			return nil, nil, fmt.Errorf("Error: No such object: %s", name)
		}, nil
	case "container":
		return containercmd.Inspector(api, size), nil
	case "image":
		return imagecmd.Inspector(api), nil
	case "network":
		return networkcmd.Inspector(api, false), nil
	case "volume":
		return volumecmd.Inspector(api), nil
	}
	return nil, fmt.Errorf("%q is not a valid value for --type", typ)
}
