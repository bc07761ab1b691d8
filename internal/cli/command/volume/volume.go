package volume

import (
	"context"
	"fmt"
	"strconv"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

var volumeHeaders = map[string]string{
	"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
	"Labels": "LABELS", "Label": "LABEL", "Links": "LINKS", "Size": "SIZE", "CreatedAt": "CREATED AT",
}

// NewVolumeCommand makes "berth volume".
func NewVolumeCommand(c command.Cli) *cobra.Command {
	return command.Group("volume", "Manage volumes",
		NewVolumeCreateCommand(c), NewVolumeLsCommand(c), NewVolumeInspectCommand(c),
		NewVolumeRmCommand(c), NewVolumePruneCommand(c),
	)
}

// NewVolumeCreateCommand makes "berth volume create".
func NewVolumeCreateCommand(c command.Cli) *cobra.Command {
	var o client.VolumeCreateOptions
	var driverOpts, labels []string
	cmd := command.New("create [OPTIONS] [VOLUME]", "Create a volume", command.MaxArgs(1),
		func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if o.Name != "" {
					return fmt.Errorf("conflicting options: cannot specify a volume-name through both --name and as a positional arg")
				}
				o.Name = args[0]
			}
			o.DriverOpts, o.Labels = opts.ParseLabels(driverOpts), opts.ParseLabels(labels)
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.VolumeCreate(cmd.Context(), o)
			return command.PrintMade(c, res.Volume.Name, err)
		})
	f := cmd.Flags()
	f.StringVarP(&o.Driver, "driver", "d", "local", "Volume driver")
	f.StringVar(&o.Name, "name", "", "Name for the volume")
	f.MarkHidden("name")
	f.VarP(opts.NewList(&driverOpts), "opt", "o", "Driver option, KEY=VALUE")
	f.Var(opts.NewList(&labels), "label", "Label the volume, KEY=VALUE")
	return cmd
}

// NewVolumeLsCommand makes "berth volume ls".
func NewVolumeLsCommand(c command.Cli) *cobra.Command {
	var quiet bool
	var fmtStr string
	var filters []string
	cmd := command.New("ls [OPTIONS]", "List volumes", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			return command.List[*volumeRow]{Format: fmtStr, Quiet: quiet, QuietFormat: "{{.Name}}", Filters: filters,
				Table: "{{.Driver}}\t{{.Name}}", Headers: volumeHeaders,
				Rows: func(ctx context.Context, api client.APIClient, f client.Filters) ([]*volumeRow, error) {
					res, err := api.VolumeList(ctx, client.VolumeListOptions{Filters: f})
					return command.Rows(res.Items, err, func(v volume.Volume) *volumeRow { return &volumeRow{v: v} })
				}}.Run(cmd.Context(), c)
		})
	cmd.Aliases = []string{"list"}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Print volume names only")
	cmd.Flags().StringVar(&fmtStr, "format", "", "Go template to print with")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, `Filter, key=value (e.g. "dangling=true")`)
	return cmd
}

// volumeRow is one "volume ls" row; its methods are the --format fields.
type volumeRow struct{ v volume.Volume }

// MarshalJSON renders every field, for "{{json .}}".
func (r *volumeRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r, "Label") }

// Name is the volume name.
func (r *volumeRow) Name() string { return r.v.Name }

// Driver is the volume driver.
func (r *volumeRow) Driver() string { return r.v.Driver }

// Scope is local or global.
func (r *volumeRow) Scope() string { return r.v.Scope }

// Mountpoint is the volume's directory on the host.
func (r *volumeRow) Mountpoint() string { return r.v.Mountpoint }

// Labels are k=v pairs.
func (r *volumeRow) Labels() string { return format.JoinLabels(r.v.Labels) }

// Label returns one label.
func (r *volumeRow) Label(name string) string { return r.v.Labels[name] }

// CreatedAt is the creation time.
func (r *volumeRow) CreatedAt() string { return r.v.CreatedAt }

// Links counts the containers using the volume, "N/A" when unknown.
func (r *volumeRow) Links() string {
	if r.v.UsageData == nil {
		return "N/A"
	}
	return strconv.FormatInt(r.v.UsageData.RefCount, 10)
}

// Size is the volume size, "N/A" when unknown.
func (r *volumeRow) Size() string {
	if r.v.UsageData == nil {
		return "N/A"
	}
	return units.HumanSize(float64(r.v.UsageData.Size))
}

// NewVolumeInspectCommand makes "berth volume inspect".
func NewVolumeInspectCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	return command.NewInspectCommand(c, "inspect [OPTIONS] VOLUME [VOLUME...]", "Print the full description of volumes as JSON", &fmtStr,
		func(api client.APIClient) (command.InspectFunc, error) { return Inspector(api), nil })
}

// Inspector fetches one volume.
func Inspector(api client.APIClient) command.InspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		res, err := api.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
		return command.Inspected(res.Volume, res.Raw, err)
	}
}

// NewVolumeRmCommand makes "berth volume rm".
func NewVolumeRmCommand(c command.Cli) *cobra.Command {
	var force bool
	cmd := command.NewAPI(c, "rm [OPTIONS] VOLUME [VOLUME...]", "Delete volumes", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			return command.ForEach(c, args, func(n string) error {
				_, err := api.VolumeRemove(cmd.Context(), n, client.VolumeRemoveOptions{Force: force})
				return err
			})
		})
	cmd.Aliases = []string{"remove"}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "No error for a volume that does not exist")
	return cmd
}

// NewVolumePruneCommand makes "berth volume prune".
func NewVolumePruneCommand(c command.Cli) *cobra.Command {
	return command.NewPruneCommand(c, "Delete the anonymous volumes no container uses, or with -a every unused volume",
		"Remove all unused volumes, named ones too", `Filter, key=value (e.g. "label=<label>")`,
		func(all bool) command.Prune {
			warning := "WARNING! This will remove anonymous local volumes not used by at least one container."
			if all {
				warning = "WARNING! This will remove all local volumes not used by at least one container."
			}
			return command.Prune{Warning: warning, Remove: Prune(all)}
		})
}

// Prune is the Remover of the anonymous volumes no container uses (every
// unused volume with all).
func Prune(all bool) command.Remover {
	return func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
		res, err := api.VolumePrune(ctx, client.VolumePruneOptions{All: all, Filters: f})
		return command.Pruned(res.Report.SpaceReclaimed, "Deleted Volumes", res.Report.VolumesDeleted, err)
	}
}
