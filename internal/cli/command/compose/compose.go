package compose

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/command/builder"
	cmdcontainer "github.com/berth/berth/internal/cli/command/container"
	engine "github.com/berth/berth/internal/compose"
)

// globals are the options every compose command takes.
type globals struct {
	files, profiles, envFiles []string
	name, projectDir          string
}

// NewComposeCommand makes "berth compose".
func NewComposeCommand(c command.Cli) *cobra.Command {
	g := &globals{}
	cmd := &cobra.Command{Use: "compose [OPTIONS] COMMAND", Short: "Run multi-container applications described by compose files", Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }, TraverseChildren: true}
	f := cmd.Flags() // not persistent: a command's own -f (logs --follow) wins after its name, as in docker compose
	f.StringArrayVarP(&g.files, "file", "f", nil, "Compose configuration files (else $COMPOSE_FILE, then compose.yaml…)")
	f.StringVarP(&g.name, "project-name", "p", "", "Project name (else $COMPOSE_PROJECT_NAME, then the directory's name)")
	f.StringArrayVar(&g.profiles, "profile", nil, "Profile to enable (else $COMPOSE_PROFILES)")
	f.StringArrayVar(&g.envFiles, "env-file", nil, "Environment file (else .env of the project directory)")
	f.StringVar(&g.projectDir, "project-directory", "", "Project directory (else the first file's directory)")
	cmd.AddCommand(
		newUpCommand(c, g), newDownCommand(c, g), newPsCommand(c, g), newLogsCommand(c, g),
		newBuildCommand(c, g), newPullCommand(c, g), newPushCommand(c, g), newConfigCommand(c, g),
		newStartCommand(c, g), newStopCommand(c, g), newRestartCommand(c, g), newKillCommand(c, g), newRmCommand(c, g),
		newExecCommand(c, g), newRunCommand(c, g), newTopCommand(c, g), newPortCommand(c, g),
		newImagesCommand(c, g), newLsCommand(c), newWatchCommand(c, g),
	)
	return cmd
}

// load reads the project; services selects some of its services (with
// their dependencies).
func (g *globals) load(ctx context.Context, services ...string) (*types.Project, error) {
	return engine.Load(ctx, engine.LoadOptions{Files: g.files, Name: g.name, Profiles: g.profiles,
		EnvFiles: g.envFiles, ProjectDir: g.projectDir, Services: services})
}

// projectName is the project a command that can work from labels alone
// acts on: -p, $COMPOSE_PROJECT_NAME, or the loaded project's name.
func (g *globals) projectName(ctx context.Context, c command.Cli) (*types.Project, string, error) {
	p, err := g.load(ctx)
	if err == nil {
		return p, p.Name, nil
	}
	name := g.name
	if name == "" {
		name = c.Getenv("COMPOSE_PROJECT_NAME")
	}
	if name == "" {
		return nil, "", err
	}
	return nil, name, nil
}

// newEngine is the engine of a command: its progress on stderr, its
// builds through `berth build`'s code.
func newEngine(c command.Cli, api client.APIClient) *engine.Engine {
	e := &engine.Engine{API: api, Progress: c.Err()}
	e.CreateHandover = func(ctx context.Context, opts client.ContainerCreateOptions, from string) (client.ContainerCreateResult, error) {
		return cmdcontainer.CreateWithExtensions(ctx, api, opts, cmdcontainer.Extensions{PortHandover: from})
	}
	e.Build = func(ctx context.Context, s types.ServiceConfig, image string) error {
		return builder.Build(c, ctx, api, buildRequest(s, image))
	}
	return e
}

func buildRequest(s types.ServiceConfig, image string) builder.Request {
	b := s.Build
	r := builder.Request{Context: b.Context, Target: b.Target, Tags: append([]string{image}, b.Tags...), NoCache: b.NoCache, Pull: b.Pull}
	if b.Dockerfile != "" {
		r.File = b.Dockerfile
		if !filepath.IsAbs(r.File) {
			r.File = filepath.Join(b.Context, r.File)
		}
	}
	for k, v := range b.Args {
		if v != nil {
			r.Args = append(r.Args, k+"="+*v)
		}
	}
	for k, v := range b.Labels {
		r.Labels = append(r.Labels, k+"="+v)
	}
	return r
}

// parseScale reads --scale SERVICE=N values.
func parseScale(values []string) (map[string]int, error) {
	m := map[string]int{}
	for _, v := range values {
		name, n, ok := strings.Cut(v, "=")
		var num int
		if !ok || !isNumber(n, &num) {
			return nil, command.StatusError{Status: "invalid --scale " + v + ": want SERVICE=NUMBER", Code: 1}
		}
		m[name] = num
	}
	return m, nil
}

func isNumber(s string, n *int) bool {
	if s == "" {
		return false
	}
	v := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		v = v*10 + int(r-'0')
	}
	*n = v
	return true
}
