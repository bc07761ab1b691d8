package compose

import (
	"context"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadOptions are the global options of `compose`: which files, which
// project, which profiles and environment.
type LoadOptions struct {
	Files      []string // -f; empty: COMPOSE_FILE, then the default names
	Name       string   // -p; empty: COMPOSE_PROJECT_NAME, then the directory name
	Profiles   []string // --profile; empty: COMPOSE_PROFILES
	EnvFiles   []string // --env-file; empty: .env of the project directory
	ProjectDir string   // --project-directory
	Services   []string // only these services (and their dependencies)
}

// Load reads, merges, interpolates and validates the project's model as
// docker compose does: every service gets the labels that name its project.
func Load(ctx context.Context, o LoadOptions) (*types.Project, error) {
	opts, err := cli.NewProjectOptions(o.Files,
		cli.WithWorkingDirectory(o.ProjectDir),
		cli.WithOsEnv,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(o.Profiles...),
		cli.WithName(o.Name),
		cli.WithResolvedPaths(true),
		cli.WithoutEnvironmentResolution,
	)
	if err != nil {
		return nil, err
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, err
	}
	// Resolved after the load, env_file entries dropped, as docker
	// compose does: the config hash is computed on this form.
	if p, err = p.WithServicesEnvironmentResolved(true); err != nil {
		return nil, err
	}
	if len(o.Services) > 0 {
		if p, err = p.WithSelectedServices(o.Services); err != nil {
			return nil, err
		}
	}
	for name, s := range p.Services {
		s.CustomLabels = projectLabels(p, name)
		p.Services[name] = s
	}
	return p, nil
}

// WorkingDir is the directory a project is looked for in: pwd.
func WorkingDir() string {
	wd, _ := os.Getwd()
	return wd
}
