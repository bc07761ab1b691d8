package cli

import (
	"context"
	"fmt"
	"github.com/berth/berth/internal/cli/opts"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/format"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func (c *CLI) newContainerPruneCommand() *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !c.confirm("WARNING! This will remove all stopped containers.") {
				return nil
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			space, out, err := containerPrune(cmd.Context(), api, filters)
			if err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintln(c.Out, out)
			}
			fmt.Fprintln(c.Out, "Total reclaimed space:", units.HumanSize(float64(space)))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, `Provide filter values (e.g. "until=<timestamp>")`)
	return cmd
}

func containerPrune(ctx context.Context, api client.APIClient, filterList []string) (uint64, string, error) {
	f, err := parseFilters(filterList)
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

func (c *CLI) newSystemPruneCommand() *cobra.Command {
	var all, force, volumes bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused data",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
			if !force && !c.confirm(warning) {
				return nil
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var total uint64
			space, out, err := containerPrune(ctx, api, filters)
			if err != nil {
				return err
			}
			total += space
			if out != "" {
				fmt.Fprintln(c.Out, out)
			}
			f, err := parseFilters(filters)
			if err != nil {
				return err
			}
			if res, err := api.NetworkPrune(ctx, client.NetworkPruneOptions{Filters: f}); err == nil && len(res.Report.NetworksDeleted) > 0 {
				fmt.Fprintln(c.Out, "Deleted Networks:\n"+strings.Join(res.Report.NetworksDeleted, "\n")+"\n")
			}
			if volumes {
				if res, err := api.VolumePrune(ctx, client.VolumePruneOptions{Filters: f}); err == nil {
					total += res.Report.SpaceReclaimed
					if len(res.Report.VolumesDeleted) > 0 {
						fmt.Fprintln(c.Out, "Deleted Volumes:\n"+strings.Join(res.Report.VolumesDeleted, "\n")+"\n")
					}
				}
			}
			space, out, err = imagePrune(cmd, api, all, filters)
			if err != nil {
				return err
			}
			total += space
			if out != "" {
				fmt.Fprintln(c.Out, out)
			}
			if res, err := api.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: all, Filters: f}); err == nil {
				total += res.Report.SpaceReclaimed
				if len(res.Report.CachesDeleted) > 0 {
					fmt.Fprintln(c.Out, "Deleted build cache objects:\n"+strings.Join(res.Report.CachesDeleted, "\n")+"\n")
				}
			}
			fmt.Fprintln(c.Out, "Total reclaimed space:", units.HumanSize(float64(total)))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused images not just dangling ones")
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	f.BoolVar(&volumes, "volumes", false, "Prune anonymous volumes")
	f.Var(opts.NewList(&filters), "filter", `Provide filter values (e.g. "label=<key>=<value>")`)
	return cmd
}

const defaultDfTable = "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

var dfHeaders = map[string]string{
	"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE",
}

// dfRow is one "system df" row.
type dfRow struct {
	Type               string
	TotalCount, Active string
	Size, Reclaimable  string
}

func reclaimable(r, total int64, percent bool) string {
	s := units.HumanSize(float64(r))
	if percent && total > 0 {
		s = fmt.Sprintf("%s (%d%%)", s, int(100*float64(r)/float64(total)))
	}
	return s
}

func (c *CLI) newDfCommand() *cobra.Command {
	var verbose bool
	var fmtStr string
	cmd := &cobra.Command{
		Use:   "df [OPTIONS]",
		Short: "Show docker disk usage",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := format.NewWriter(fmtStr, defaultDfTable)
			if err != nil {
				return err
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			du, err := api.DiskUsage(cmd.Context(), client.DiskUsageOptions{
				Containers: true, Images: true, Volumes: true, BuildCache: true, Verbose: verbose,
			})
			if err != nil {
				return err
			}
			rows := []dfRow{
				{"Images", itoa64(du.Images.TotalCount), itoa64(du.Images.ActiveCount), units.HumanSize(float64(du.Images.TotalSize)), reclaimable(du.Images.Reclaimable, du.Images.TotalSize, true)},
				{"Containers", itoa64(du.Containers.TotalCount), itoa64(du.Containers.ActiveCount), units.HumanSize(float64(du.Containers.TotalSize)), reclaimable(du.Containers.Reclaimable, du.Containers.TotalSize, true)},
				{"Local Volumes", itoa64(du.Volumes.TotalCount), itoa64(du.Volumes.ActiveCount), units.HumanSize(float64(du.Volumes.TotalSize)), reclaimable(du.Volumes.Reclaimable, du.Volumes.TotalSize, true)},
				{"Build Cache", itoa64(du.BuildCache.TotalCount), itoa64(du.BuildCache.ActiveCount), units.HumanSize(float64(du.BuildCache.TotalSize)), reclaimable(du.BuildCache.Reclaimable, du.BuildCache.TotalSize, false)},
			}
			if verbose && fmtStr == "" {
				return c.dfVerbose(c.Out, du)
			}
			for _, r := range rows {
				if err := w.Row(r); err != nil {
					return err
				}
			}
			return w.Flush(c.Out, dfHeaders)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on space usage")
	cmd.Flags().StringVar(&fmtStr, "format", "", "Format output using a custom template")
	return cmd
}

func (c *CLI) dfVerbose(out io.Writer, du client.DiskUsageResult) error {
	now := time.Now()
	fmt.Fprint(out, "Images space usage:\n\n")
	w, _ := format.NewWriter("", "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")
	for _, img := range du.Images.Items {
		// One row per image, named by its first tag.
		rows := imageRows(img, false)
		if len(rows) > 0 {
			r := rows[0]
			r.trunc, r.now = true, now
			w.Row(r)
		}
	}
	if err := w.Flush(out, imageHeaders); err != nil {
		return err
	}
	fmt.Fprint(out, "\nContainers space usage:\n\n")
	cw, _ := format.NewWriter("", "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}")
	for _, s := range du.Containers.Items {
		cw.Row(&containerRow{c: s, trunc: true, now: now})
	}
	if err := cw.Flush(out, psHeaders); err != nil {
		return err
	}
	fmt.Fprint(out, "\nLocal Volumes space usage:\n\n")
	vw, _ := format.NewWriter("", "{{.Name}}\t{{.Links}}\t{{.Size}}")
	for _, v := range du.Volumes.Items {
		links, size := "N/A", "N/A"
		if v.UsageData != nil {
			links, size = itoa64(v.UsageData.RefCount), units.HumanSize(float64(v.UsageData.Size))
		}
		vw.Row(map[string]string{"Name": v.Name, "Links": links, "Size": size})
	}
	if err := vw.Flush(out, map[string]string{"Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"}); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nBuild cache usage: %s\n\n", units.HumanSize(float64(du.BuildCache.TotalSize)))
	bw, _ := format.NewWriter("", "{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}")
	for _, r := range du.BuildCache.Items {
		bw.Row(map[string]string{"ID": format.TruncateID(r.ID), "CacheType": r.Type, "Size": units.HumanSize(float64(r.Size)),
			"CreatedSince": format.Ago(r.CreatedAt.Unix(), now), "LastUsedSince": lastUsed(r.LastUsedAt, now),
			"UsageCount": strconv.Itoa(r.UsageCount), "Shared": strconv.FormatBool(r.Shared)})
	}
	return bw.Flush(out, map[string]string{"ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
		"LastUsedSince": "LAST USED", "UsageCount": "USAGE", "Shared": "SHARED"})
}

func lastUsed(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	return format.Ago(t.Unix(), now)
}
