package compose

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	engine "github.com/berth/berth/internal/compose"
)

func newWatchCommand(c command.Cli, g *globals) *cobra.Command {
	var noUp bool
	cmd := command.NewAPI(c, "watch [SERVICE...]", "Bring the project up, then sync, rebuild or restart services as their files change (develop.watch)", nil,
		forProject(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, args []string) error {
			if !noUp {
				if err := e.Up(ctx, p, engine.UpOptions{Services: args}); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return e.Watch(ctx, p, args)
		}))
	cmd.Flags().BoolVar(&noUp, "no-up", false, "Do not bring the project up first")
	return cmd
}
