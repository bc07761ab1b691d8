package command

import (
	"context"
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// Prune is the body every prune command shares: the question (unless
// --force), the filters, the API client, then Remove; the report it
// returns is printed when not empty, followed by the space reclaimed
// unless NoTotal.
type Prune struct {
	Force   bool     // --force: do not ask
	Warning string   // what the question warns of
	Filters []string // --filter
	NoTotal bool     // print no "Total reclaimed space" (network prune)
	Remove  Remover
}

// Remover prunes what matches f and returns the bytes reclaimed and the
// report ("" when nothing was removed).
type Remover func(ctx context.Context, api client.APIClient, f client.Filters) (space uint64, report string, err error)

// NewPruneCommand makes "prune [OPTIONS]" of a kind: -f/--force, and
// -a/--all and --filter unless allUsage or filterUsage (their help) is "".
// prune gives the Prune for the value of --all; the flags fill in its
// Force and Filters.
func NewPruneCommand(c Cli, short, allUsage, filterUsage string, prune func(all bool) Prune) *cobra.Command {
	var all, force bool
	var filters []string
	cmd := New("prune [OPTIONS]", short, NoArgs, func(cmd *cobra.Command, args []string) error {
		p := prune(all)
		p.Force, p.Filters = force, filters
		return p.Run(cmd.Context(), c)
	})
	f := cmd.Flags()
	if allUsage != "" {
		f.BoolVarP(&all, "all", "a", false, allUsage)
	}
	f.BoolVarP(&force, "force", "f", false, "Skip the confirmation question")
	if filterUsage != "" {
		f.StringArrayVar(&filters, "filter", nil, filterUsage)
	}
	return cmd
}

// Run asks, prunes and reports on c's standard output.
func (p Prune) Run(ctx context.Context, c Cli) error {
	if !p.Force && !Confirm(c, p.Warning) {
		return nil
	}
	f, api, err := FiltersAndClient(ctx, c, p.Filters)
	if err != nil {
		return err
	}
	space, report, err := p.Remove(ctx, api, f)
	if err != nil {
		return err
	}
	if report != "" {
		fmt.Fprintln(c.Out(), report)
	}
	if !p.NoTotal {
		fmt.Fprintln(c.Out(), "Total reclaimed space:", units.HumanSize(float64(space)))
	}
	return nil
}

// Pruned is a Remover's answer from the daemon's prune answer: the space
// reclaimed and the Deleted report of items under title, or err.
func Pruned(space uint64, title string, items []string, err error) (uint64, string, error) {
	if err != nil {
		return 0, "", err
	}
	return space, Deleted(title, items), nil
}

// Deleted is a prune report: the title line, then one line per item; ""
// when there are none.
func Deleted(title string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	return title + ":\n" + strings.Join(items, "\n") + "\n"
}
