package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
	"github.com/spf13/cobra"
)

func displayJSON(c command.Cli, r io.Reader, out io.Writer) error {
	fd, isTerm := streams.TerminalFd(out)
	return jsonmessage.DisplayJSONMessagesStream(r, out, fd, isTerm, nil)
}

// NewImportCommand makes "berth import".
func NewImportCommand(c command.Cli) *cobra.Command {
	var o client.ImageImportOptions
	var platform string
	cmd := command.New("import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Make an image from a tar archive of a filesystem", command.RangeArgs(1, 2),
		func(cmd *cobra.Command, args []string) error {
			src := client.ImageImportSource{SourceName: args[0]}
			switch {
			case args[0] == "-":
				src.Source = c.In()
			case strings.HasPrefix(args[0], "http://") || strings.HasPrefix(args[0], "https://"):
			default:
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				src = client.ImageImportSource{Source: f, SourceName: "-"}
			}
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			rc, err := api.ImageImport(cmd.Context(), src, ref, o)
			if err != nil {
				return err
			}
			defer rc.Close()
			return displayJSON(c, rc, c.Out())
		})
	f := cmd.Flags()
	f.VarP(opts.NewList(&o.Changes), "change", "c", `Dockerfile instruction to apply to the image (e.g. "ENV A=1")`)
	f.StringVarP(&o.Message, "message", "m", "", "Message to record with the imported image")
	f.StringVar(&platform, "platform", "", "Platform to use, os[/arch[/variant]]")
	return cmd
}

// NewLoadCommand makes "berth load".
func NewLoadCommand(c command.Cli) *cobra.Command {
	var input string
	var quiet bool
	cmd := command.New("load [OPTIONS]", "Read images from a tar archive made by save, or from standard input", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			var in io.Reader = c.In()
			if input != "" {
				f, err := os.Open(input)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			} else if _, ok := streams.TerminalFd(c.In()); ok {
				return errors.New("requested load from stdin, but stdin is empty")
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			_, isTerm := streams.TerminalFd(c.Out())
			rc, err := api.ImageLoad(cmd.Context(), in, client.ImageLoadWithQuiet(quiet || !isTerm))
			if err != nil {
				return err
			}
			defer rc.Close()
			return displayJSON(c, rc, c.Out())
		})
	cmd.Flags().StringVarP(&input, "input", "i", "", "Tar archive to read rather than standard input")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Print nothing while loading")
	cmd.Flags().StringSlice("platform", nil, "Platform(s) to load, the others skipped")
	return cmd
}

// NewSaveCommand makes "berth save".
func NewSaveCommand(c command.Cli) *cobra.Command {
	var output string
	cmd := command.New("save [OPTIONS] IMAGE [IMAGE...]", "Write images to a tar archive, on standard output unless -o names a file", command.MinArgs(1),
		func(cmd *cobra.Command, args []string) error {
			return command.SaveArchive(cmd.Context(), c, output, "save image", func(ctx context.Context, api client.APIClient) (io.ReadCloser, error) {
				return api.ImageSave(ctx, args)
			})
		})
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to this file rather than standard output")
	cmd.Flags().StringSlice("platform", nil, "Platform(s) to save, the others skipped")
	return cmd
}

// NewTagCommand makes "berth tag".
func NewTagCommand(c command.Cli) *cobra.Command {
	return command.NewAPI(c, "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Give the image SOURCE_IMAGE the further name TARGET_IMAGE", command.ExactArgs(2),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			_, err := api.ImageTag(cmd.Context(), client.ImageTagOptions{Source: args[0], Target: args[1]})
			return err
		})
}

// NewRmiCommand makes "berth rmi".
func NewRmiCommand(c command.Cli) *cobra.Command {
	var force, noPrune bool
	cmd := command.NewAPI(c, "rmi [OPTIONS] IMAGE [IMAGE...]", "Delete images, or remove some of their names", command.MinArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			fs := command.Failures{Force: force}
			for _, img := range args {
				res, err := api.ImageRemove(cmd.Context(), img, client.ImageRemoveOptions{Force: force, PruneChildren: !noPrune})
				if fs.OK(c, err) {
					printDeleted(c.Out(), res.Items)
				}
			}
			return fs.Err()
		})
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Remove even an image with several references or used by stopped containers")
	cmd.Flags().BoolVar(&noPrune, "no-prune", false, "Keep the untagged parent images")
	return cmd
}

func printDeleted(w io.Writer, items []image.DeleteResponse) {
	for _, d := range items {
		if d.Untagged != "" {
			fmt.Fprintf(w, "Untagged: %s\n", d.Untagged)
		}
		if d.Deleted != "" {
			fmt.Fprintf(w, "Deleted: %s\n", d.Deleted)
		}
	}
}

const defaultHistoryTable = "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

var historyHeaders = map[string]string{
	"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
	"Size": "SIZE", "Comment": "COMMENT",
}

// NewHistoryCommand makes "berth history".
func NewHistoryCommand(c command.Cli) *cobra.Command {
	var human, quiet, noTrunc bool
	var fmtStr string
	cmd := command.New("history [OPTIONS] IMAGE", "List the layers of an image and the steps that made them", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			if quiet && (fmtStr == "" || fmtStr == "table") {
				fmtStr = "{{.ID}}"
			}
			table := defaultHistoryTable
			if !human {
				table = strings.Replace(table, "{{.CreatedSince}}", "{{.CreatedAt}}", 1)
			}
			w, err := format.NewWriter(fmtStr, table)
			if err != nil {
				return err
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.ImageHistory(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			for _, h := range res.Items {
				if err := w.Row(&historyRow{h: h, trunc: !noTrunc, human: human, now: now}); err != nil {
					return err
				}
			}
			return w.Flush(c.Out(), historyHeaders)
		})
	f := cmd.Flags()
	f.BoolVarP(&human, "human", "H", true, `Sizes and dates for people (e.g. "4 days ago", "1.2MB")`)
	f.BoolVarP(&quiet, "quiet", "q", false, "Print image IDs only")
	f.BoolVar(&noTrunc, "no-trunc", false, "Print every field in full")
	f.StringVar(&fmtStr, "format", "", "Go template to print with")
	f.String("platform", "", "Platform whose history to show")
	return cmd
}

// historyRow is one "history" row; its methods are the --format fields.
type historyRow struct {
	h            image.HistoryResponseItem
	trunc, human bool
	now          time.Time
}

// MarshalJSON renders every field, for "{{json .}}".
func (r *historyRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(r) }

// ID is the layer's image ID or "<missing>".
func (r *historyRow) ID() string { return format.ID(r.h.ID, r.trunc) }

// CreatedSince is "2 weeks ago", or the RFC 3339 time with -H=false.
func (r *historyRow) CreatedSince() string {
	if !r.human {
		return r.CreatedAt()
	}
	return format.Ago(r.h.Created, r.now)
}

// CreatedAt is the RFC 3339 creation time.
func (r *historyRow) CreatedAt() string { return time.Unix(r.h.Created, 0).Format(time.RFC3339) }

// CreatedBy is the instruction, cut to 45 characters unless --no-trunc.
func (r *historyRow) CreatedBy() string {
	s := strings.ReplaceAll(r.h.CreatedBy, "\t", " ")
	if r.trunc {
		s = format.Ellipsis(s, 45)
	}
	return s
}

// Size is the layer size.
func (r *historyRow) Size() string {
	if r.human {
		return format.Size(r.h.Size)
	}
	return strconv.FormatInt(r.h.Size, 10)
}

// Comment is the layer comment.
func (r *historyRow) Comment() string { return r.h.Comment }

// NewImagePruneCommand makes "berth image prune".
func NewImagePruneCommand(c command.Cli) *cobra.Command {
	return command.NewPruneCommand(c, "Delete dangling images, or with -a every image no container uses",
		"Remove all unused images, dangling or not", `Filter, key=value (e.g. "until=<timestamp>")`,
		func(all bool) command.Prune {
			warning := "WARNING! This will remove all dangling images."
			if all {
				warning = "WARNING! This will remove all images without at least one container associated to them."
			}
			return command.Prune{Warning: warning, Remove: Prune(all)}
		})
}

// Prune is the Remover of the dangling images (every unused one with all).
func Prune(all bool) command.Remover {
	return func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
		f = f.Clone()
		f.Add("dangling", strconv.FormatBool(!all))
		res, err := api.ImagePrune(ctx, client.ImagePruneOptions{Filters: f})
		var lines []string
		for _, d := range res.Report.ImagesDeleted {
			if d.Untagged != "" {
				lines = append(lines, "untagged: "+d.Untagged)
			} else {
				lines = append(lines, "deleted: "+d.Deleted)
			}
		}
		return command.Pruned(res.Report.SpaceReclaimed, "Deleted Images", lines, err)
	}
}
