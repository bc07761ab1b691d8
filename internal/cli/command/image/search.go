package image

import (
	"context"
	"strconv"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

const defaultSearchTable = "{{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}"

var searchHeaders = map[string]string{
	"Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS", "IsOfficial": "OFFICIAL",
}

// NewSearchCommand makes "berth search".
func NewSearchCommand(c command.Cli) *cobra.Command {
	var filters []string
	var limit int
	var noTrunc bool
	var fmtStr string
	cmd := command.New("search [OPTIONS] TERM", "Look for images by name on Docker Hub or another registry", command.ExactArgs(1),
		func(cmd *cobra.Command, args []string) error {
			return command.List[*searchRow]{Format: fmtStr, Filters: filters, Table: defaultSearchTable, Headers: searchHeaders,
				Rows: func(ctx context.Context, api client.APIClient, f client.Filters) ([]*searchRow, error) {
					res, err := api.ImageSearch(ctx, args[0], client.ImageSearchOptions{Filters: f, Limit: limit})
					return command.Rows(res.Items, err, func(r registry.SearchResult) *searchRow { return &searchRow{r: r, trunc: !noTrunc} })
				}}.Run(cmd.Context(), c)
		})
	fl := cmd.Flags()
	fl.VarP(opts.NewList(&filters), "filter", "f", "Filter, key=value")
	fl.IntVar(&limit, "limit", 0, "Most results to show, 1 to 100 (0: 25)")
	fl.BoolVar(&noTrunc, "no-trunc", false, "Print every field in full")
	fl.StringVar(&fmtStr, "format", "", "Go template to print with")
	return cmd
}

// searchRow is one "search" row; its methods are the --format fields.
type searchRow struct {
	r     registry.SearchResult
	trunc bool
}

// MarshalJSON renders every field, for "{{json .}}".
func (s *searchRow) MarshalJSON() ([]byte, error) { return format.MarshalMethods(s) }

// Name is the repository's name.
func (s *searchRow) Name() string { return s.r.Name }

// Description is the repository's description, cut at 45 characters
// unless --no-trunc, as the docker CLI does.
func (s *searchRow) Description() string {
	d := []rune(s.r.Description)
	if s.trunc && len(d) > 45 {
		return string(d[:44]) + "…"
	}
	return string(d)
}

// StarCount is the repository's number of stars.
func (s *searchRow) StarCount() string { return strconv.Itoa(s.r.StarCount) }

// IsOfficial is "[OK]" for an official image.
func (s *searchRow) IsOfficial() string {
	if s.r.IsOfficial {
		return "[OK]"
	}
	return ""
}
