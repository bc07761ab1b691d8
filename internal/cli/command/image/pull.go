package image

import (
	"fmt"
	"io"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func NewPullCommand(c command.Cli) *cobra.Command {
	var all, quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Args:  command.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := reference.ParseNormalizedNamed(args[0])
			if err != nil {
				return fmt.Errorf("invalid reference format: %w", err)
			}
			if !all {
				ref = reference.TagNameOnly(ref)
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			resp, err := api.ImagePull(cmd.Context(), reference.FamiliarString(ref), pullOptions(all, command.RegistryAuth(c, ref), platform))
			if err != nil {
				return err
			}
			defer resp.Close()
			out := c.Out()
			if quiet {
				out = io.Discard
			}
			if err := displayJSON(c, resp, out); err != nil {
				return err
			}
			fmt.Fprintln(c.Out(), ref.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all-tags", "a", false, "Download all tagged images in the repository")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	f.StringVar(&platform, "platform", "", "Set platform if server is multi-platform capable")
	return cmd
}

func NewPushCommand(c command.Cli) *cobra.Command {
	var all, quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  command.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := reference.ParseNormalizedNamed(args[0])
			if err != nil {
				return fmt.Errorf("invalid reference format: %w", err)
			}
			if !all {
				ref = reference.TagNameOnly(ref)
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			resp, err := api.ImagePush(cmd.Context(), reference.FamiliarString(ref), client.ImagePushOptions{All: all, RegistryAuth: command.RegistryAuth(c, ref)})
			if err != nil {
				return err
			}
			defer resp.Close()
			out := c.Out()
			if quiet {
				out = io.Discard
			}
			if err := displayJSON(c, resp, out); err != nil {
				return err
			}
			if quiet {
				fmt.Fprintln(c.Out(), ref.String())
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all-tags", "a", false, "Push all tags of an image to the repository")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
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
