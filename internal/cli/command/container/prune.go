package container

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func NewContainerPruneCommand(c command.Cli) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Args:  command.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !command.Confirm(c, "WARNING! This will remove all stopped containers.") {
				return nil
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			space, out, err := Prune(cmd.Context(), api, filters)
			if err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintln(c.Out(), out)
			}
			fmt.Fprintln(c.Out(), "Total reclaimed space:", units.HumanSize(float64(space)))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, `Provide filter values (e.g. "until=<timestamp>")`)
	return cmd
}

func Prune(ctx context.Context, api client.APIClient, filterList []string) (uint64, string, error) {
	f, err := opts.ParseFilters(filterList)
	if err != nil {
		return 0, "", err
	}
	res, err := api.ContainerPrune(ctx, client.ContainerPruneOptions{Filters: f})
	if err != nil {
		return 0, "", err
	}
	var sb strings.Builder
	if len(res.Report.ContainersDeleted) > 0 {
		sb.WriteString("Deleted Containers:\n")
		for _, id := range res.Report.ContainersDeleted {
			sb.WriteString(id + "\n")
		}
	}
	return res.Report.SpaceReclaimed, sb.String(), nil
}
