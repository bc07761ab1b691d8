package system

import (
	"context"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	buildercmd "github.com/berth/berth/internal/cli/command/builder"
	containercmd "github.com/berth/berth/internal/cli/command/container"
	imagecmd "github.com/berth/berth/internal/cli/command/image"
	networkcmd "github.com/berth/berth/internal/cli/command/network"
	volumecmd "github.com/berth/berth/internal/cli/command/volume"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewSystemPruneCommand makes "berth system prune".
func NewSystemPruneCommand(c command.Cli) *cobra.Command {
	var all, force, volumes bool
	var filters []string
	cmd := command.New("prune [OPTIONS]", "Delete stopped containers, unused networks, dangling images and the build cache", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			warning := "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n"
			if volumes {
				warning += "  - all anonymous volumes not used by at least one container\n"
			}
			if all {
				warning += "  - all images without at least one container associated to them\n"
			} else {
				warning += "  - all dangling images\n"
			}
			warning += "  - unused build cache\n"
			return command.Prune{Force: force, Warning: warning, Filters: filters,
				Remove: func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
					return pruneAll(ctx, api, f, all, volumes)
				}}.Run(cmd.Context(), c)
		})
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused images, dangling or not")
	f.BoolVarP(&force, "force", "f", false, "Skip the confirmation question")
	f.BoolVar(&volumes, "volumes", false, "Remove unused anonymous volumes too")
	f.Var(opts.NewList(&filters), "filter", `Filter, key=value (e.g. "label=<key>=<value>")`)
	return cmd
}

// pruneAll removes stopped containers, unused networks, anonymous volumes
// (with volumes), dangling or (with all) unused images and the build cache,
// in that order. The report holds one section per kind that lost any; a
// failed container or image prune stops it, a failed network, volume or
// cache prune is left out.
func pruneAll(ctx context.Context, api client.APIClient, f client.Filters, all, volumes bool) (uint64, string, error) {
	var total uint64
	var sections []string
	add := func(space uint64, report string) {
		total += space
		if report != "" {
			sections = append(sections, report)
		}
	}
	space, report, err := containercmd.Prune(ctx, api, f)
	if err != nil {
		return 0, "", err
	}
	add(space, report)
	if space, report, err := networkcmd.Prune(ctx, api, f); err == nil {
		add(space, report)
	}
	if volumes {
		if space, report, err := volumecmd.Prune(false)(ctx, api, f); err == nil {
			add(space, report)
		}
	}
	if space, report, err = imagecmd.Prune(all)(ctx, api, f); err != nil {
		return 0, "", err
	}
	add(space, report)
	if space, report, err := buildercmd.Prune(all)(ctx, api, f); err == nil {
		add(space, report)
	}
	// each section is followed by a blank line; Prune.Run prints the last
	return total, strings.Join(sections, "\n"), nil
}
