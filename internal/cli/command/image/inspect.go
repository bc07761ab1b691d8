package image

import (
	"bytes"
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// Inspector fetches one image.
func Inspector(api client.APIClient) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		var raw bytes.Buffer
		res, err := api.ImageInspect(ctx, name, client.ImageInspectWithRawResponse(&raw))
		return command.Inspected(res.InspectResponse, raw.Bytes(), err)
	}
}

// NewImageInspectCommand makes "berth image inspect".
func NewImageInspectCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	return command.NewInspectCommand(c, "inspect [OPTIONS] IMAGE [IMAGE...]", "Print the full description of images as JSON", &fmtStr,
		func(api client.APIClient) (command.InspectFunc, error) { return Inspector(api), nil })
}
