package image

import (
	"context"
	"fmt"
	"io"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewPullCommand makes "berth pull".
func NewPullCommand(c command.Cli) *cobra.Command {
	var all, quiet bool
	var platform string
	cmd := command.New("pull [OPTIONS] NAME[:TAG|@DIGEST]", "Fetch an image from a registry", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			ref, err := transfer(cmd.Context(), c, args[0], all, quiet, func(ctx context.Context, api client.APIClient, ref, auth string) (io.ReadCloser, error) {
				return api.ImagePull(ctx, ref, pullOptions(all, auth, platform))
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(c.Out(), ref.String())
			return nil
		})
	f := cmd.Flags()
	f.BoolVarP(&all, "all-tags", "a", false, "Pull every tag of the repository")
	f.BoolVarP(&quiet, "quiet", "q", false, "Print only the image name when done")
	f.StringVar(&platform, "platform", "", "Platform to use, os[/arch[/variant]]")
	return cmd
}

// NewPushCommand makes "berth push".
func NewPushCommand(c command.Cli) *cobra.Command {
	var all, quiet bool
	cmd := command.New("push [OPTIONS] NAME[:TAG]", "Send an image to a registry", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			ref, err := transfer(cmd.Context(), c, args[0], all, quiet, func(ctx context.Context, api client.APIClient, ref, auth string) (io.ReadCloser, error) {
				return api.ImagePush(ctx, ref, client.ImagePushOptions{All: all, RegistryAuth: auth})
			})
			if err != nil {
				return err
			}
			if quiet {
				fmt.Fprintln(c.Out(), ref.String())
			}
			return nil
		})
	cmd.Flags().BoolVarP(&all, "all-tags", "a", false, "Push every local tag of the repository")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Print only the image name when done")
	return cmd
}

// pullOptions builds the API options of a pull; platform is os[/arch[/variant]].
func pullOptions(all bool, auth, platform string) client.ImagePullOptions {
	o := client.ImagePullOptions{All: all, RegistryAuth: auth}
	if platform != "" {
		if p, err := opts.ParsePlatform(platform); err == nil {
			o.Platforms = append(o.Platforms, p)
		}
	}
	return o
}

// transfer is the shared part of pull and push: parse the reference
// (tagged ":latest" unless all tags move), then start the transfer with the
// stored login for its registry and show its progress (hidden with quiet).
// It returns the reference as parsed.
func transfer(ctx context.Context, c command.Cli, arg string, all, quiet bool,
	start func(ctx context.Context, api client.APIClient, ref, auth string) (io.ReadCloser, error)) (reference.Named, error) {
	ref, err := reference.ParseNormalizedNamed(arg)
	if err != nil {
		return nil, fmt.Errorf("invalid reference format: %w", err)
	}
	if !all {
		ref = reference.TagNameOnly(ref)
	}
	api, err := c.Client(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := start(ctx, api, reference.FamiliarString(ref), command.RegistryAuth(c, ref))
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	out := c.Out()
	if quiet {
		out = io.Discard
	}
	if err := displayJSON(c, resp, out); err != nil {
		return nil, err
	}
	return ref, nil
}
