package cli

import (
	"fmt"
	"io"

	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func (c *CLI) newPullCommand() *cobra.Command {
	var all, quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := reference.ParseNormalizedNamed(args[0])
			if err != nil {
				return fmt.Errorf("invalid reference format: %w", err)
			}
			if !all {
				ref = reference.TagNameOnly(ref)
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			resp, err := api.ImagePull(cmd.Context(), reference.FamiliarString(ref), pullOptions(all, c.registryAuth(ref), platform))
			if err != nil {
				return err
			}
			defer resp.Close()
			out := c.Out
			if quiet {
				out = io.Discard
			}
			if err := c.displayJSON(resp, out); err != nil {
				return err
			}
			fmt.Fprintln(c.Out, ref.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all-tags", "a", false, "Download all tagged images in the repository")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	f.StringVar(&platform, "platform", "", "Set platform if server is multi-platform capable")
	return cmd
}

func (c *CLI) newPushCommand() *cobra.Command {
	var all, quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := reference.ParseNormalizedNamed(args[0])
			if err != nil {
				return fmt.Errorf("invalid reference format: %w", err)
			}
			if !all {
				ref = reference.TagNameOnly(ref)
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			resp, err := api.ImagePush(cmd.Context(), reference.FamiliarString(ref), client.ImagePushOptions{All: all, RegistryAuth: c.registryAuth(ref)})
			if err != nil {
				return err
			}
			defer resp.Close()
			out := c.Out
			if quiet {
				out = io.Discard
			}
			if err := c.displayJSON(resp, out); err != nil {
				return err
			}
			if quiet {
				fmt.Fprintln(c.Out, ref.String())
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
		if p, err := parsePlatform(platform); err == nil {
			o.Platforms = append(o.Platforms, p)
		}
	}
	return o
}
