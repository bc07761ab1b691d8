package compose

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	engine "github.com/berth/berth/internal/compose"
)

func newImagesCommand(c command.Cli, g *globals) *cobra.Command {
	var quiet bool
	cmd := command.NewAPI(c, "images [OPTIONS] [SERVICE...]", "List the images of the project's containers", nil,
		forContainers(c, g, func(ctx context.Context, e *engine.Engine, cs []container.Summary) error {
			w, _ := format.NewWriter("", "{{.Container}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}")
			for _, ct := range cs {
				img, err := e.API.ImageInspect(ctx, ct.ImageID)
				if err != nil {
					return err
				}
				if quiet {
					fmt.Fprintln(c.Out(), img.ID)
					continue
				}
				repo, tag := ct.Image, "latest"
				if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
					repo, tag = repo[:i], repo[i+1:]
				}
				row := map[string]string{"Container": engine.Name(ct), "Repository": repo, "Tag": tag,
					"ID": format.TruncateID(img.ID), "Size": format.Size(img.Size)}
				if err := w.Row(row); err != nil {
					return err
				}
			}
			if quiet {
				return nil
			}
			return w.Flush(c.Out(), map[string]string{"Container": "CONTAINER", "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Size": "SIZE"})
		}))
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Print only the image IDs")
	return cmd
}

func newConfigCommand(c command.Cli, g *globals) *cobra.Command {
	var services, volumes, quiet bool
	var fmtStr, hash string
	cmd := command.New("config [OPTIONS] [SERVICE...]", "Print the resolved model of the project", nil,
		func(cmd *cobra.Command, args []string) error {
			p, err := g.load(cmd.Context(), args...)
			if err != nil {
				return err
			}
			switch {
			case quiet:
				return nil
			case hash != "":
				return printHashes(c, p, hash)
			case services:
				for _, s := range p.ServiceNames() {
					fmt.Fprintln(c.Out(), s)
				}
				return nil
			case volumes:
				for _, v := range p.VolumeNames() {
					fmt.Fprintln(c.Out(), v)
				}
				return nil
			}
			var b []byte
			if fmtStr == "json" {
				b, err = p.MarshalJSON()
			} else {
				b, err = p.MarshalYAML()
			}
			if err != nil {
				return err
			}
			_, err = c.Out().Write(b)
			return err
		})
	f := cmd.Flags()
	f.BoolVar(&services, "services", false, "Print the service names")
	f.BoolVar(&volumes, "volumes", false, "Print the volume names")
	f.BoolVarP(&quiet, "quiet", "q", false, "Only validate the model")
	f.StringVar(&fmtStr, "format", "yaml", "yaml or json")
	f.StringVar(&hash, "hash", "", `Print the configuration hash of services ("*": all)`)
	return cmd
}

// printHashes prints "service hash" lines for services, a comma-separated
// list or "*".
func printHashes(c command.Cli, p *types.Project, services string) error {
	names := p.ServiceNames()
	if services != "*" {
		names = strings.Split(services, ",")
	}
	sort.Strings(names)
	for _, name := range names {
		s, err := p.GetService(name)
		if err != nil {
			return err
		}
		h, err := engine.ServiceHash(s)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Out(), "%s %s\n", name, h)
	}
	return nil
}

// forProject is the body of the commands that act on the loaded project:
// fn gets it and the command's arguments.
func forProject(c command.Cli, g *globals, fn func(ctx context.Context, e *engine.Engine, p *types.Project, args []string) error) func(*cobra.Command, client.APIClient, []string) error {
	return func(cmd *cobra.Command, api client.APIClient, args []string) error {
		p, err := g.load(cmd.Context())
		if err != nil {
			return err
		}
		return fn(cmd.Context(), newEngine(c, api), p, args)
	}
}

// forServices is the body of build, pull and push: fn for each selected
// service of the loaded project.
func forServices(c command.Cli, g *globals, fn func(ctx context.Context, e *engine.Engine, p *types.Project, s types.ServiceConfig) error) func(*cobra.Command, client.APIClient, []string) error {
	return forProject(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, args []string) error {
		order, err := engine.StartOrder(p, args, false)
		if err != nil {
			return err
		}
		for _, name := range order {
			if err := fn(ctx, e, p, p.Services[name]); err != nil {
				return err
			}
		}
		return nil
	})
}

func newBuildCommand(c command.Cli, g *globals) *cobra.Command {
	return command.NewAPI(c, "build [SERVICE...]", "Build the images of services with a build section", nil,
		forServices(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, s types.ServiceConfig) error {
			if s.Build == nil {
				return nil
			}
			return e.BuildService(ctx, p, s)
		}))
}

func newPullCommand(c command.Cli, g *globals) *cobra.Command {
	var ignore bool
	cmd := command.NewAPI(c, "pull [SERVICE...]", "Pull the images of the services", nil,
		forServices(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, s types.ServiceConfig) error {
			if s.Image == "" {
				return nil
			}
			err := e.Pull(ctx, s.Image)
			if err != nil && (ignore || s.Build != nil) {
				fmt.Fprintf(c.Err(), " %s: %v\n", s.Name, err)
				return nil
			}
			return err
		}))
	cmd.Flags().BoolVar(&ignore, "ignore-pull-failures", false, "Go on when a pull fails")
	return cmd
}

func newPushCommand(c command.Cli, g *globals) *cobra.Command {
	return command.NewAPI(c, "push [SERVICE...]", "Push the images of services with an image name", nil,
		forServices(c, g, func(ctx context.Context, e *engine.Engine, p *types.Project, s types.ServiceConfig) error {
			if s.Image == "" {
				return nil
			}
			return e.Push(ctx, s.Image)
		}))
}
