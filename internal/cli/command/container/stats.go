package container

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

const defaultStatsTable = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

var statsHeaders = map[string]string{
	"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
	"MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
}

// NewStatsCommand makes "berth stats".
func NewStatsCommand(c command.Cli) *cobra.Command {
	var all, noStream, noTrunc bool
	var fmtStr string
	cmd := command.New("stats [OPTIONS] [CONTAINER...]", "Show the CPU, memory, network and disk use of containers as it changes", nil,
		func(cmd *cobra.Command, args []string) error {
			if _, err := format.NewWriter(fmtStr, defaultStatsTable); err != nil {
				return err
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			for {
				rows, err := collectStats(ctx, api, args, all)
				if err != nil {
					return err
				}
				w, _ := format.NewWriter(fmtStr, defaultStatsTable)
				for _, r := range rows {
					r.trunc = !noTrunc
					if err := w.Row(r); err != nil {
						return err
					}
				}
				var buf bytes.Buffer
				if err := w.Flush(&buf, statsHeaders); err != nil {
					return err
				}
				if noStream {
					_, err := buf.WriteTo(c.Out())
					return err
				}
				// Redraw in place, as docker stats does.
				fmt.Fprint(c.Out(), "\033[2J\033[H")
				buf.WriteTo(c.Out())
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Include stopped containers (default: running ones only)")
	f.BoolVar(&noStream, "no-stream", false, "Print one sample and exit")
	f.BoolVar(&noTrunc, "no-trunc", false, "Print every field in full")
	f.StringVar(&fmtStr, "format", "", "Go template to print with")
	return cmd
}

// collectStats samples every named container (or the running ones, all
// with -a) once, with the previous sample the daemon takes for CPU %.
func collectStats(ctx context.Context, api client.APIClient, names []string, all bool) ([]*statsRow, error) {
	type target struct{ id, name string }
	var targets []target
	if len(names) == 0 {
		res, err := api.ContainerList(ctx, client.ContainerListOptions{All: all})
		if err != nil {
			return nil, err
		}
		for _, s := range res.Items {
			n := ""
			if len(s.Names) > 0 {
				n = stripSlash(s.Names[0])
			}
			targets = append(targets, target{s.ID, n})
		}
	} else {
		for _, n := range names {
			targets = append(targets, target{n, n})
		}
	}
	rows := make([]*statsRow, len(targets))
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.id
	}
	errs := command.Parallel(ids, func(id string) error {
		res, err := api.ContainerStats(ctx, id, client.ContainerStatsOptions{IncludePreviousSample: true})
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var s container.StatsResponse
		if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
			return fmt.Errorf("decode stats of %s: %w", id, err)
		}
		for i := range targets {
			if targets[i].id == id {
				rows[i] = newStatsRow(id, s)
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			if len(names) > 0 {
				return nil, err
			}
			rows[i] = &statsRow{container: targets[i].id, id: targets[i].id, name: targets[i].name}
		}
	}
	return rows, nil
}

// statsRow is one "stats" row; its methods are the --format fields.
type statsRow struct {
	container, id, name          string
	cpu, mem, memLimit, memPerc  float64
	netRx, netTx, blkRead, blkWr float64
	pids                         uint64
	trunc                        bool
}

func newStatsRow(arg string, s container.StatsResponse) *statsRow {
	r := &statsRow{container: arg, id: s.ID, name: strings.TrimPrefix(s.Name, "/")}
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	sysDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	online := float64(s.CPUStats.OnlineCPUs)
	if online == 0 {
		online = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
	}
	if sysDelta > 0 && cpuDelta > 0 {
		r.cpu = cpuDelta / sysDelta * online * 100
	}
	mem := float64(s.MemoryStats.Usage)
	// Like docker: page cache that can be dropped does not count.
	for _, k := range []string{"total_inactive_file", "inactive_file"} {
		if v, ok := s.MemoryStats.Stats[k]; ok && float64(v) < mem {
			mem -= float64(v)
			break
		}
	}
	r.mem, r.memLimit = mem, float64(s.MemoryStats.Limit)
	if r.memLimit > 0 {
		r.memPerc = mem / r.memLimit * 100
	}
	for _, n := range s.Networks {
		r.netRx += float64(n.RxBytes)
		r.netTx += float64(n.TxBytes)
	}
	for _, e := range s.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(e.Op) {
		case "read":
			r.blkRead += float64(e.Value)
		case "write":
			r.blkWr += float64(e.Value)
		}
	}
	r.pids = s.PidsStats.Current
	return r
}

// MarshalJSON renders every field, for "{{json .}}".
func (r *statsRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r) }

// Container is the name or ID as given.
func (r *statsRow) Container() string { return r.container }

// ID is the container ID.
func (r *statsRow) ID() string { return format.ID(r.id, r.trunc) }

// Name is the container name.
func (r *statsRow) Name() string {
	if r.name == "" {
		return "--"
	}
	return r.name
}

// CPUPerc is the CPU use: "0.52%".
func (r *statsRow) CPUPerc() string { return fmt.Sprintf("%.2f%%", r.cpu) }

// MemUsage is "used / limit".
func (r *statsRow) MemUsage() string {
	return units.BytesSize(r.mem) + " / " + units.BytesSize(r.memLimit)
}

// MemPerc is the memory use: "1.20%".
func (r *statsRow) MemPerc() string { return fmt.Sprintf("%.2f%%", r.memPerc) }

// NetIO is "received / sent".
func (r *statsRow) NetIO() string {
	return units.HumanSizeWithPrecision(r.netRx, 3) + " / " + units.HumanSizeWithPrecision(r.netTx, 3)
}

// BlockIO is "read / written".
func (r *statsRow) BlockIO() string {
	return units.HumanSizeWithPrecision(r.blkRead, 3) + " / " + units.HumanSizeWithPrecision(r.blkWr, 3)
}

// PIDs is the number of processes.
func (r *statsRow) PIDs() string { return fmt.Sprintf("%d", r.pids) }
