package image

import (
	"context"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/distribution/reference"
	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

const (
	defaultImagesTable        = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	defaultImagesDigestsTable = "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
)

var imageHeaders = map[string]string{
	"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED",
	"CreatedAt": "CREATED AT", "Size": "SIZE", "Digest": "DIGEST", "Containers": "CONTAINERS",
	"SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE",
}

type imagesOptions struct {
	all, quiet, noTrunc, digests bool
	filters                      []string
	format                       string
	matchName                    string
}

// NewImagesCommand makes "berth images".
func NewImagesCommand(c command.Cli) *cobra.Command {
	var o imagesOptions
	cmd := command.New("images [OPTIONS] [REPOSITORY[:TAG]]", "List images", command.MaxArgs(1),
		func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.matchName = args[0]
			}
			return images(cmd.Context(), c, o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Include intermediate images")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print image IDs only")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Print every field in full")
	f.BoolVar(&o.digests, "digests", false, "Add a DIGEST column")
	f.VarP(opts.NewList(&o.filters), "filter", "f", "Filter, key=value")
	f.StringVar(&o.format, "format", "", "Go template to print with")
	f.Bool("tree", false, "Show multi-platform images as a tree (experimental)")
	return cmd
}

func images(ctx context.Context, c command.Cli, o imagesOptions) error {
	table := defaultImagesTable
	if o.digests {
		table = defaultImagesDigestsTable
	}
	return command.List[*imageRow]{Format: o.format, Quiet: o.quiet, QuietFormat: "{{.ID}}", Filters: o.filters,
		Table: table, Headers: imageHeaders,
		Rows: func(ctx context.Context, api client.APIClient, f client.Filters) ([]*imageRow, error) {
			if o.matchName != "" {
				f.Add("reference", o.matchName)
			}
			res, err := api.ImageList(ctx, client.ImageListOptions{All: o.all, Filters: f})
			if err != nil {
				return nil, err
			}
			// the quiet template never names .Digest
			digests := o.digests || strings.Contains(o.format, ".Digest")
			now := time.Now()
			var rows []*imageRow
			for _, img := range res.Items {
				for _, row := range imageRows(img, digests) {
					row.trunc, row.now = !o.noTrunc, now
					rows = append(rows, row)
				}
			}
			return rows, nil
		}}.Run(ctx, c)
}

func isDangling(img image.Summary) bool {
	if len(img.RepoTags) == 0 && len(img.RepoDigests) == 0 {
		return true
	}
	return len(img.RepoTags) == 1 && img.RepoTags[0] == "<none>:<none>" &&
		len(img.RepoDigests) == 1 && img.RepoDigests[0] == "<none>@<none>"
}

// byRepo groups refs by their familiar repository name, keeping the part
// of each that part picks (its tag or its digest; "" for none).
func byRepo(refs []string, part func(reference.Named) string) map[string][]string {
	m := map[string][]string{}
	for _, s := range refs {
		ref, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			continue
		}
		if p := part(ref); p != "" {
			n := reference.FamiliarName(ref)
			m[n] = append(m[n], p)
		}
	}
	return m
}

// imageRows expands one image into the rows docker shows: one per tag (and
// per digest with --digests), "<none>" for untagged ones.
func imageRows(img image.Summary, showDigests bool) []*imageRow {
	if isDangling(img) {
		return []*imageRow{{i: img, repo: "<none>", tag: "<none>", digest: "<none>"}}
	}
	tags := byRepo(img.RepoTags, func(ref reference.Named) string {
		if nt, ok := ref.(reference.NamedTagged); ok {
			return nt.Tag()
		}
		return ""
	})
	digests := byRepo(img.RepoDigests, func(ref reference.Named) string {
		if cn, ok := ref.(reference.Canonical); ok {
			return cn.Digest().String()
		}
		return ""
	})
	var rows []*imageRow
	for _, repo := range sortedKeys(tags) {
		ds := digests[repo]
		delete(digests, repo)
		if !showDigests {
			ds = nil
		}
		for _, tag := range tags[repo] {
			if len(ds) == 0 {
				rows = append(rows, &imageRow{i: img, repo: repo, tag: tag, digest: "<none>"})
				continue
			}
			for _, d := range ds {
				rows = append(rows, &imageRow{i: img, repo: repo, tag: tag, digest: d})
			}
		}
	}
	for _, repo := range sortedKeys(digests) {
		if showDigests {
			for _, d := range digests[repo] {
				rows = append(rows, &imageRow{i: img, repo: repo, tag: "<none>", digest: d})
			}
		} else {
			rows = append(rows, &imageRow{i: img, repo: repo, tag: "<none>"})
		}
	}
	return rows
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// imageRow is one "images" row; its methods are the --format fields.
type imageRow struct {
	i                 image.Summary
	repo, tag, digest string
	trunc             bool
	now               time.Time
}

// MarshalJSON renders every field, for "{{json .}}".
func (r *imageRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r) }

// ID is the image ID, short unless --no-trunc.
func (r *imageRow) ID() string { return format.ID(r.i.ID, r.trunc) }

// Repository is the image name.
func (r *imageRow) Repository() string { return r.repo }

// Tag is the tag of this row.
func (r *imageRow) Tag() string { return r.tag }

// Digest is the manifest digest of this row.
func (r *imageRow) Digest() string { return r.digest }

// CreatedSince is "2 weeks ago".
func (r *imageRow) CreatedSince() string {
	if r.i.Created <= 0 {
		return "N/A"
	}
	return format.Ago(r.i.Created, r.now)
}

// CreatedAt is the creation time.
func (r *imageRow) CreatedAt() string { return time.Unix(r.i.Created, 0).String() }

// Size is the image size.
func (r *imageRow) Size() string { return format.Size(r.i.Size) }

// VirtualSize is the image size (kept for older templates).
func (r *imageRow) VirtualSize() string { return units.HumanSize(float64(r.i.Size)) }

// Containers counts the containers using the image, "N/A" when unknown.
func (r *imageRow) Containers() string {
	if r.i.Containers == -1 {
		return "N/A"
	}
	return strconv.FormatInt(r.i.Containers, 10)
}

// SharedSize is the size shared with other images, "N/A" when unknown.
func (r *imageRow) SharedSize() string {
	if r.i.SharedSize == -1 {
		return "N/A"
	}
	return units.HumanSize(float64(r.i.SharedSize))
}

// UniqueSize is Size minus SharedSize, "N/A" when unknown.
func (r *imageRow) UniqueSize() string {
	if r.i.SharedSize == -1 {
		return "N/A"
	}
	return units.HumanSize(float64(r.i.Size - r.i.SharedSize))
}

// WriteUsage writes the images table of "system df -v": one row per
// image, named by its first tag.
func WriteUsage(out io.Writer, items []image.Summary, now time.Time) error {
	w, _ := format.NewWriter("", "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")
	for _, img := range items {
		rows := imageRows(img, false)
		if len(rows) > 0 {
			r := rows[0]
			r.trunc, r.now = true, now
			w.Row(r)
		}
	}
	return w.Flush(out, imageHeaders)
}
