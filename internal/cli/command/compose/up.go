package compose

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	engine "github.com/berth/berth/internal/compose"
)

func newUpCommand(c command.Cli, g *globals) *cobra.Command {
	var o engine.UpOptions
	var detach bool
	var scale []string
	var waitTimeout int
	cmd := command.NewAPI(c, "up [OPTIONS] [SERVICE...]", "Create and start the project's containers", nil,
		forProject(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, args []string) error {
			var err error
			if o.Scale, err = parseScale(scale); err != nil {
				return err
			}
			o.Services, o.WaitTimeout = args, time.Duration(waitTimeout)*time.Second
			if err := e.Up(ctx, p, o); err != nil {
				if len(e.Made) > 0 {
					fmt.Fprintf(c.Err(), "up failed; created before the failure (`compose down` removes them): %s\n", strings.Join(e.Made, ", "))
				}
				return err
			}
			if detach || o.Wait {
				return nil
			}
			order, err := engine.StartOrder(p, args, !o.NoDeps)
			if err != nil {
				return err
			}
			return attached(ctx, c, e, p.Name, order)
		}))
	f := cmd.Flags()
	f.BoolVarP(&detach, "detach", "d", false, "Run the containers in the background")
	f.BoolVar(&o.Build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.NoDeps, "no-deps", false, "Do not start the services' dependencies")
	f.BoolVar(&o.ForceRecreate, "force-recreate", false, "Recreate containers even if their configuration has not changed")
	f.BoolVar(&o.NoRecreate, "no-recreate", false, "Keep existing containers even if their configuration changed")
	f.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "Remove containers of services not in the compose file")
	f.StringArrayVar(&scale, "scale", nil, "Number of containers of a service, SERVICE=NUM")
	f.BoolVar(&o.Wait, "wait", false, "Wait for services to be running and healthy (implies -d)")
	f.IntVar(&waitTimeout, "wait-timeout", 0, "Seconds to wait with --wait (0: no limit)")
	return cmd
}

// attached follows the services' logs until every container exits or
// the user interrupts, which stops the project's containers.
func attached(ctx context.Context, c command.Cli, e *engine.Engine, project string, services []string) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan error, 1)
	go func() { done <- followLogs(ctx, c, e, project, services, logOptions{follow: true}) }()
	select {
	case err := <-done:
		return err
	case <-sig:
		fmt.Fprintln(c.Err(), "Gracefully stopping... (press Ctrl+C again to force)")
		cs, err := e.Containers(ctx, project, false, services...)
		if err != nil {
			return err
		}
		return e.Stop(ctx, cs, nil)
	}
}

func newDownCommand(c command.Cli, g *globals) *cobra.Command {
	var o engine.DownOptions
	var timeout int
	cmd := command.NewAPI(c, "down [OPTIONS]", "Stop and remove the project's containers and networks", command.NoArgs,
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			p, name, err := g.projectName(cmd.Context(), c)
			if err != nil {
				return err
			}
			if o.Rmi != "" && o.Rmi != "local" && o.Rmi != "all" {
				return fmt.Errorf("invalid --rmi %q: want local or all", o.Rmi)
			}
			if cmd.Flags().Changed("timeout") {
				o.Timeout = &timeout
			}
			return newEngine(c, api).Down(cmd.Context(), p, name, o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.Volumes, "volumes", "v", false, "Remove the named volumes declared in the project and anonymous volumes")
	f.StringVar(&o.Rmi, "rmi", "", `Remove images: "local" (built for services) or "all"`)
	f.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "Remove containers of services not in the compose file")
	f.IntVarP(&timeout, "timeout", "t", 10, "Seconds to wait for containers to stop")
	return cmd
}

// newWatchCommand makes "berth compose watch": up (unless --no-up), then
// develop.watch until interrupted.
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
