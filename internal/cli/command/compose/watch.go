package compose

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	engine "github.com/berth/berth/internal/compose"
)

func newWatchCommand(c command.Cli, g *globals) *cobra.Command {
	var noUp bool
	cmd := command.NewAPI(c, "watch [SERVICE...]", "Bring the project up, then sync, rebuild or restart services as their files change (develop.watch)", nil,
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			p, err := g.load(cmd.Context())
			if err != nil {
				return err
			}
			e := newEngine(c, api)
			if !noUp {
				if err := e.Up(cmd.Context(), p, engine.UpOptions{Services: args}); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return e.Watch(ctx, p, args)
		})
	cmd.Flags().BoolVar(&noUp, "no-up", false, "Do not bring the project up first")
	return cmd
}
