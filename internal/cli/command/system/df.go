package system

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/berth/berth/internal/cli/command"
	containercmd "github.com/berth/berth/internal/cli/command/container"
	imagecmd "github.com/berth/berth/internal/cli/command/image"
	"github.com/berth/berth/internal/cli/format"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

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

// NewDfCommand makes "berth system df".
func NewDfCommand(c command.Cli) *cobra.Command {
	var verbose bool
	var fmtStr string
	cmd := command.New("df [OPTIONS]", "Show how much disk the images, containers, volumes and build cache take", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			w, err := format.NewWriter(fmtStr, defaultDfTable)
			if err != nil {
				return err
			}
			api, err := c.Client(cmd.Context())
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
				{"Images", strconv.FormatInt(du.Images.TotalCount, 10), strconv.FormatInt(du.Images.ActiveCount, 10), units.HumanSize(float64(du.Images.TotalSize)), reclaimable(du.Images.Reclaimable, du.Images.TotalSize, true)},
				{"Containers", strconv.FormatInt(du.Containers.TotalCount, 10), strconv.FormatInt(du.Containers.ActiveCount, 10), units.HumanSize(float64(du.Containers.TotalSize)), reclaimable(du.Containers.Reclaimable, du.Containers.TotalSize, true)},
				{"Local Volumes", strconv.FormatInt(du.Volumes.TotalCount, 10), strconv.FormatInt(du.Volumes.ActiveCount, 10), units.HumanSize(float64(du.Volumes.TotalSize)), reclaimable(du.Volumes.Reclaimable, du.Volumes.TotalSize, true)},
				{"Build Cache", strconv.FormatInt(du.BuildCache.TotalCount, 10), strconv.FormatInt(du.BuildCache.ActiveCount, 10), units.HumanSize(float64(du.BuildCache.TotalSize)), reclaimable(du.BuildCache.Reclaimable, du.BuildCache.TotalSize, false)},
			}
			if verbose && fmtStr == "" {
				return dfVerbose(c.Out(), du)
			}
			for _, r := range rows {
				if err := w.Row(r); err != nil {
					return err
				}
			}
			return w.Flush(c.Out(), dfHeaders)
		})
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "List each image, container, volume and cache entry")
	cmd.Flags().StringVar(&fmtStr, "format", "", "Go template to print with")
	return cmd
}

func dfVerbose(out io.Writer, du client.DiskUsageResult) error {
	now := time.Now()
	fmt.Fprint(out, "Images space usage:\n\n")
	if err := imagecmd.WriteUsage(out, du.Images.Items, now); err != nil {
		return err
	}
	fmt.Fprint(out, "\nContainers space usage:\n\n")
	if err := containercmd.WriteUsage(out, du.Containers.Items, now); err != nil {
		return err
	}
	fmt.Fprint(out, "\nLocal Volumes space usage:\n\n")
	vw, _ := format.NewWriter("", "{{.Name}}\t{{.Links}}\t{{.Size}}")
	for _, v := range du.Volumes.Items {
		links, size := "N/A", "N/A"
		if v.UsageData != nil {
			links, size = strconv.FormatInt(v.UsageData.RefCount, 10), units.HumanSize(float64(v.UsageData.Size))
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
