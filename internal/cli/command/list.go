package command

import (
	"context"

	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/moby/moby/client"
)

// List is the body every list command shares (ps, images, network ls,
// volume ls, search): check --format (or the -q template), parse
// --filter, ask the daemon for the rows, write them as a table or
// through the template. T is the command's row type; its methods are the
// --format fields.
type List[T any] struct {
	Format      string   // --format
	Quiet       bool     // -q: QuietFormat replaces an empty or "table" format
	QuietFormat string   // the template of -q, such as "{{.ID}}"
	Filters     []string // --filter
	Table       string   // the default table
	Headers     map[string]string
	// Rows asks the daemon for the rows that match f.
	Rows func(ctx context.Context, api client.APIClient, f client.Filters) ([]T, error)
}

// FiltersAndClient parses the --filter values and then gets the API
// client: the first steps of a command that asks the daemon for what
// matches its filters (list, prune, events).
func FiltersAndClient(ctx context.Context, c Cli, filters []string) (client.Filters, client.APIClient, error) {
	f, err := opts.ParseFilters(filters)
	if err != nil {
		return nil, nil, err
	}
	api, err := c.Client(ctx)
	if err != nil {
		return nil, nil, err
	}
	return f, api, nil
}

// Rows makes a list's rows from the daemon's items, one each, or returns
// err (the daemon's error).
func Rows[S, T any](items []S, err error, row func(S) T) ([]T, error) {
	if err != nil {
		return nil, err
	}
	rows := make([]T, 0, len(items))
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return rows, nil
}

// Run lists the rows on c's standard output.
func (l List[T]) Run(ctx context.Context, c Cli) error {
	fmtStr := l.Format
	if l.Quiet && (fmtStr == "" || fmtStr == "table") {
		fmtStr = l.QuietFormat
	}
	w, err := format.NewWriter(fmtStr, l.Table)
	if err != nil {
		return err
	}
	f, api, err := FiltersAndClient(ctx, c, l.Filters)
	if err != nil {
		return err
	}
	rows, err := l.Rows(ctx, api, f)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Flush(c.Out(), l.Headers)
}
