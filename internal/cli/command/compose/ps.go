package compose

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	cmdcontainer "github.com/berth/berth/internal/cli/command/container"
	"github.com/berth/berth/internal/cli/format"
	engine "github.com/berth/berth/internal/compose"
)

// psRow is a line of `compose ps`; its methods are the fields a --format
// template names.
type psRow struct{ c container.Summary }

func (r psRow) ID() string      { return r.c.ID }
func (r psRow) Name() string    { return engine.Name(r.c) }
func (r psRow) Names() string   { return engine.Name(r.c) }
func (r psRow) Image() string   { return r.c.Image }
func (r psRow) Command() string { return format.Ellipsis(`"`+r.c.Command+`"`, 20) }
func (r psRow) Service() string { return r.c.Labels[engine.LabelService] }
func (r psRow) Project() string { return r.c.Labels[engine.LabelProject] }
func (r psRow) State() string   { return string(r.c.State) }
func (r psRow) Status() string  { return r.c.Status }
func (r psRow) Ports() string   { return cmdcontainer.DisplayPorts(r.c.Ports) }
func (r psRow) CreatedAt() string {
	return time.Unix(r.c.Created, 0).String()
}
func (r psRow) RunningFor() string { return format.Ago(r.c.Created, time.Now()) }

const psTable = "{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"

var psHeader = map[string]string{"Name": "NAME", "Image": "IMAGE", "Command": "COMMAND", "Service": "SERVICE",
	"RunningFor": "CREATED", "Status": "STATUS", "Ports": "PORTS", "ID": "CONTAINER ID", "State": "STATE", "Project": "PROJECT"}

func newPsCommand(c command.Cli, g *globals) *cobra.Command {
	var all, quiet, services bool
	var fmtStr string
	cmd := command.NewAPI(c, "ps [OPTIONS] [SERVICE...]", "List the project's containers", nil,
		forContainers(c, g, func(ctx context.Context, _ *engine.Engine, cs []container.Summary) error {
			w, err := format.NewWriter(fmtStr, psTable)
			if err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, ct := range cs {
				if !all && ct.State != container.StateRunning {
					continue
				}
				switch {
				case quiet:
					fmt.Fprintln(c.Out(), ct.ID)
				case services:
					if s := ct.Labels[engine.LabelService]; !seen[s] {
						seen[s] = true
						fmt.Fprintln(c.Out(), s)
					}
				default:
					if err := w.Row(psRow{ct}); err != nil {
						return err
					}
				}
			}
			if quiet || services {
				return nil
			}
			return w.Flush(c.Out(), psHeader)
		}))
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Show stopped containers too")
	f.BoolVarP(&quiet, "quiet", "q", false, "Print only the container IDs")
	f.BoolVar(&services, "services", false, "Print only the services")
	f.StringVar(&fmtStr, "format", "", `Format: "table", "json" or a Go template`)
	return cmd
}

// lsRow is a line of `compose ls`.
type lsRow struct {
	Name, Status, ConfigFiles string
}

func newLsCommand(c command.Cli) *cobra.Command {
	var all, quiet bool
	var fmtStr string
	cmd := command.NewAPI(c, "ls [OPTIONS]", "List the compose projects", command.NoArgs,
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			res, err := api.ContainerList(cmd.Context(), client.ContainerListOptions{All: true,
				Filters: client.Filters{}.Add("label", engine.LabelProject)})
			if err != nil {
				return err
			}
			rows := projectRows(res.Items, all)
			w, err := format.NewWriter(fmtStr, "{{.Name}}\t{{.Status}}\t{{.ConfigFiles}}")
			if err != nil {
				return err
			}
			for _, r := range rows {
				if quiet {
					fmt.Fprintln(c.Out(), r.Name)
					continue
				}
				if err := w.Row(r); err != nil {
					return err
				}
			}
			if quiet {
				return nil
			}
			return w.Flush(c.Out(), map[string]string{"Name": "NAME", "Status": "STATUS", "ConfigFiles": "CONFIG FILES"})
		})
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Show stopped projects too")
	f.BoolVarP(&quiet, "quiet", "q", false, "Print only the project names")
	f.StringVar(&fmtStr, "format", "", `Format: "table", "json" or a Go template`)
	return cmd
}

// projectRows groups containers by project: "running(2), exited(1)".
func projectRows(cs []container.Summary, all bool) []lsRow {
	counts := map[string]map[string]int{}
	files := map[string]string{}
	for _, ct := range cs {
		p := ct.Labels[engine.LabelProject]
		if counts[p] == nil {
			counts[p] = map[string]int{}
		}
		counts[p][string(ct.State)]++
		files[p] = ct.Labels[engine.LabelConfigFiles]
	}
	var rows []lsRow
	for p, st := range counts {
		if !all && st[string(container.StateRunning)] == 0 {
			continue
		}
		var parts []string
		for s, n := range st {
			parts = append(parts, fmt.Sprintf("%s(%d)", s, n))
		}
		sort.Strings(parts)
		rows = append(rows, lsRow{Name: p, Status: strings.Join(parts, ", "), ConfigFiles: files[p]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}
