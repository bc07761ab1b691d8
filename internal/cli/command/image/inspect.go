package image

import (
	"bytes"
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func Inspector(api client.APIClient) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		var raw bytes.Buffer
		res, err := api.ImageInspect(ctx, name, client.ImageInspectWithRawResponse(&raw))
		if err != nil {
			return nil, nil, err
		}
		return res.InspectResponse, raw.Bytes(), nil
	}
}

func NewImageInspectCommand(c command.Cli) *cobra.Command {
	var o command.InspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Args:  command.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			return command.Inspect(c, cmd.Context(), args, o.Format, Inspector(api))
		},
	}
	cmd.Flags().StringVarP(&o.Format, "format", "f", "", "Format output using a custom template")
	return cmd
}
