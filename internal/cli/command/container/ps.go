package container

import (
	"context"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"
)

const defaultPsTable = "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

var psHeaders = map[string]string{
	"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
	"RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
	"Names": "NAMES", "Labels": "LABELS", "Label": "LABEL", "Mounts": "MOUNTS",
	"LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Platform": "PLATFORM",
}

type psOptions struct {
	all, quiet, latest, noTrunc, size bool
	last                              int
	filters                           []string
	format                            string
}

// NewPsCommand makes "berth ps".
func NewPsCommand(c command.Cli) *cobra.Command {
	var o psOptions
	cmd := command.New("ps [OPTIONS]", "List containers", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			if _, err := format.NewWriter(o.format, defaultPsTable); err != nil {
				return err
			}
			return ps(cmd.Context(), c, o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Include stopped containers (default: running ones only)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print container IDs only")
	f.BoolVarP(&o.latest, "latest", "l", false, "Show only the container created last, in any state")
	f.IntVarP(&o.last, "last", "n", -1, "Show the n containers created last, in any state")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Print every field in full")
	f.BoolVarP(&o.size, "size", "s", false, "Add a SIZE column")
	f.VarP(opts.NewList(&o.filters), "filter", "f", "Filter, key=value")
	f.StringVar(&o.format, "format", "", "Go template to print with")
	return cmd
}

func ps(ctx context.Context, c command.Cli, o psOptions) error {
	fmtStr := o.format
	table := defaultPsTable
	if o.size {
		table += "\t{{.Size}}"
	}
	if o.quiet {
		if fmtStr != "" {
			fmt.Fprintln(c.Err(), "WARNING: Ignoring custom format, because both --format and --quiet are set.")
		}
		fmtStr = "{{.ID}}"
	}
	return command.List[*containerRow]{Format: fmtStr, Filters: o.filters, Table: table, Headers: psHeaders,
		Rows: func(ctx context.Context, api client.APIClient, f client.Filters) ([]*containerRow, error) {
			lo := client.ContainerListOptions{All: o.all, Limit: o.last, Filters: f, Size: o.size}
			if o.latest && o.last == -1 {
				lo.Limit = 1
			}
			if strings.Contains(fmtStr, ".Size") {
				lo.Size = true
			}
			res, err := api.ContainerList(ctx, lo)
			now := time.Now()
			return command.Rows(res.Items, err, func(s container.Summary) *containerRow { return &containerRow{c: s, trunc: !o.noTrunc, now: now} })
		}}.Run(ctx, c)
}

// containerRow is one "ps" row; its methods are the --format fields.
type containerRow struct {
	c     container.Summary
	trunc bool
	now   time.Time
}

// MarshalJSON renders every field, for "{{json .}}".
func (r *containerRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r, "Label") }

// ID is the container ID, short unless --no-trunc.
func (r *containerRow) ID() string { return format.ID(r.c.ID, r.trunc) }

// Names are the container names without "/", links left out when short.
func (r *containerRow) Names() string {
	var names []string
	for _, n := range r.c.Names {
		names = append(names, stripSlash(n))
	}
	if r.trunc {
		for _, n := range names {
			if !strings.Contains(n, "/") {
				names = []string{n}
				break
			}
		}
	}
	return strings.Join(names, ",")
}

// Image is the image as given at create, shortened as docker does.
func (r *containerRow) Image() string {
	img := r.c.Image
	if img == "" {
		return "<no image>"
	}
	if r.trunc {
		if t := format.TruncateID(r.c.ImageID); t == format.TruncateID(img) {
			return t
		}
		if ref, err := reference.ParseNormalizedNamed(img); err == nil {
			if nt, ok := ref.(reference.NamedTagged); ok {
				if tagged, err := reference.WithTag(reference.TrimNamed(nt), nt.Tag()); err == nil {
					return reference.FamiliarString(tagged)
				}
			} else {
				return reference.FamiliarString(reference.TrimNamed(ref))
			}
		}
	}
	return img
}

// Command is the quoted command, cut to 20 characters unless --no-trunc.
func (r *containerRow) Command() string {
	cmd := r.c.Command
	if r.trunc {
		cmd = format.Ellipsis(cmd, 20)
	}
	return strconv.Quote(cmd)
}

// CreatedAt is the creation time.
func (r *containerRow) CreatedAt() string { return time.Unix(r.c.Created, 0).String() }

// RunningFor is the time since creation: "2 minutes ago".
func (r *containerRow) RunningFor() string { return format.Ago(r.c.Created, r.now) }

// Ports are the published ports.
func (r *containerRow) Ports() string { return DisplayPorts(r.c.Ports) }

// State is the state word: running, exited….
func (r *containerRow) State() string { return string(r.c.State) }

// Status is the daemon's status text: "Up 3 seconds".
func (r *containerRow) Status() string { return r.c.Status }

// Size is the writable layer size and the virtual size.
func (r *containerRow) Size() string {
	if r.c.SizeRw == 0 && r.c.SizeRootFs == 0 {
		return "0B"
	}
	s := format.Size(r.c.SizeRw)
	if r.c.SizeRootFs > 0 {
		s = fmt.Sprintf("%s (virtual %s)", s, format.Size(r.c.SizeRootFs))
	}
	return s
}

// Labels are all labels as k=v, comma separated.
func (r *containerRow) Labels() string { return format.JoinLabels(r.c.Labels) }

// Label returns the value of one label.
func (r *containerRow) Label(name string) string { return r.c.Labels[name] }

// Mounts are the names (or sources) of the container's mounts.
func (r *containerRow) Mounts() string {
	var out []string
	for _, m := range r.c.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if r.trunc {
			name = format.Ellipsis(name, 15)
		}
		out = append(out, name)
	}
	return strings.Join(out, ",")
}

// LocalVolumes counts the local volumes.
func (r *containerRow) LocalVolumes() string {
	n := 0
	for _, m := range r.c.Mounts {
		if m.Driver == "local" {
			n++
		}
	}
	return strconv.Itoa(n)
}

// Networks are the names of the networks the container is on.
func (r *containerRow) Networks() string {
	if r.c.NetworkSettings == nil {
		return ""
	}
	var out []string
	for n := range r.c.NetworkSettings.Networks {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Platform is the image platform when known (null in JSON otherwise).
func (r *containerRow) Platform() *ocispec.Platform {
	if d := r.c.ImageManifestDescriptor; d != nil {
		return d.Platform
	}
	return nil
}

// DisplayPorts renders published ports as docker ps does: consecutive
// ports grouped into ranges, "0.0.0.0:8080->80/tcp" for mappings.
func DisplayPorts(ports []container.PortSummary) string {
	ps := append([]container.PortSummary(nil), ports...)
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.PrivatePort != b.PrivatePort {
			return a.PrivatePort < b.PrivatePort
		}
		if a.IP != b.IP {
			return a.IP.Less(b.IP)
		}
		if a.PublicPort != b.PublicPort {
			return a.PublicPort < b.PublicPort
		}
		return a.Type < b.Type
	})
	type group = portGroup
	var keys []string
	groups := map[string]*group{}
	var out, mappings []string
	for _, p := range ps {
		key := p.Type
		ip := ""
		if p.IP.IsValid() {
			ip = p.IP.String()
			if p.PublicPort != p.PrivatePort {
				mappings = append(mappings, fmt.Sprintf("%s->%d/%s", net.JoinHostPort(ip, strconv.Itoa(int(p.PublicPort))), p.PrivatePort, p.Type))
				continue
			}
			key = ip + "/" + p.Type
		}
		g := groups[key]
		if g == nil {
			groups[key] = &group{ip: ip, proto: p.Type, first: p.PrivatePort, last: p.PrivatePort}
			keys = append(keys, key)
			continue
		}
		if p.PrivatePort == g.last+1 {
			g.last = p.PrivatePort
			continue
		}
		out = append(out, g.String())
		groups[key] = &group{ip: ip, proto: p.Type, first: p.PrivatePort, last: p.PrivatePort}
	}
	for _, k := range keys {
		out = append(out, groups[k].String())
	}
	return strings.Join(append(out, mappings...), ", ")
}

type portGroup struct {
	ip, proto   string
	first, last uint16
}

func (g *portGroup) String() string {
	r := strconv.Itoa(int(g.first))
	if g.first != g.last {
		r = fmt.Sprintf("%s-%d", r, g.last)
	}
	if g.ip != "" {
		r = fmt.Sprintf("%s->%s", net.JoinHostPort(g.ip, r), r)
	}
	return r + "/" + g.proto
}

// WriteUsage writes the containers table of "system df -v".
func WriteUsage(out io.Writer, items []container.Summary, now time.Time) error {
	w, _ := format.NewWriter("", "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}")
	for _, s := range items {
		w.Row(&containerRow{c: s, trunc: true, now: now})
	}
	return w.Flush(out, psHeaders)
}
