package system

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/format"
	"github.com/berth/berth/internal/cli/opts"
	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
	"github.com/spf13/cobra"
)

// versionInfo is what "version" renders; --format templates see it.
type versionInfo struct {
	Client   clientVersion
	Server   *client.ServerVersionResult
	ServerOK bool `json:"-"`
}

type clientVersion struct {
	Platform          struct{ Name string }
	Version           string
	APIVersion        string `json:"ApiVersion"`
	DefaultAPIVersion string `json:"DefaultAPIVersion,omitempty"`
	GitCommit         string
	GoVersion         string
	Os                string
	Arch              string
	BuildTime         string `json:",omitempty"`
	Context           string
}

// versionTemplate is docker 28's, rendered through a tab writer.
const versionTemplate = `{{with .Client -}}
Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:	{{.GoVersion}}
 Git commit:	{{.GitCommit}}
 Built:	{{.BuildTime}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
{{- end}}

{{- if .ServerOK}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- range $key, $value := .Details}}
  {{$key}}:	{{$value}}
  {{- end}}
  {{- end}}
 {{- end}}
{{- end}}{{end}}
`

// buildInfo returns the VCS revision and time the binary was built from.
func buildInfo() (commit, built string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 7 {
				commit = s.Value[:7]
			} else {
				commit = s.Value
			}
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				built = t.Format(time.ANSIC)
			}
		}
	}
	return commit, built
}

// NewVersionCommand makes "berth version".
func NewVersionCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	cmd := command.New("version [OPTIONS]", "Show the versions of the berth client and engine", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			text := versionTemplate
			switch fmtStr {
			case "":
			case "json":
				text = "{{json .}}\n"
			default:
				text = fmtStr + "\n"
			}
			tmpl, err := format.Parse(text)
			if err != nil {
				return command.StatusError{Status: err.Error(), Code: 64}
			}
			commit, built := buildInfo()
			v := versionInfo{Client: clientVersion{
				Version: Version, APIVersion: client.MaxAPIVersion, DefaultAPIVersion: client.MaxAPIVersion,
				GitCommit: commit, BuildTime: built, GoVersion: runtime.Version(),
				Os: runtime.GOOS, Arch: runtime.GOARCH, Context: "default",
			}}
			api, serr := c.Client(cmd.Context())
			if serr == nil {
				sv, err := api.ServerVersion(cmd.Context(), client.ServerVersionOptions{})
				if err == nil {
					if len(sv.Components) == 0 {
						// An engine without components: describe it from the top-level fields.
						sv.Components = []system.ComponentVersion{{Name: "Engine", Version: sv.Version, Details: map[string]string{
							"ApiVersion": sv.APIVersion, "MinAPIVersion": sv.MinAPIVersion, "Os": sv.Os, "Arch": sv.Arch,
							"Experimental": fmt.Sprint(sv.Experimental),
						}}}
					}
					v.Server, v.ServerOK = &sv, true
					if cl, ok := api.(*client.Client); ok {
						v.Client.APIVersion = cl.ClientVersion()
					}
				} else {
					serr = err
				}
			}
			out := io.Writer(c.Out())
			var tw *tabwriter.Writer
			if fmtStr == "" {
				tw = tabwriter.NewWriter(c.Out(), 20, 1, 1, ' ', 0)
				out = tw
			}
			if err := tmpl.Execute(out, v); err != nil {
				return fmt.Errorf("template parsing error: %w", err)
			}
			if tw != nil {
				tw.Flush()
			}
			return serr
		})
	cmd.Flags().StringVarP(&fmtStr, "format", "f", "", "Go template to print with")
	return cmd
}

// NewInfoCommand makes "berth info".
func NewInfoCommand(c command.Cli) *cobra.Command {
	var fmtStr string
	cmd := command.New("info [OPTIONS]", "Show how the engine is set up and what it holds", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			tmpl, err := format.ParseFormat(fmtStr)
			if err != nil {
				return err
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.Info(cmd.Context(), client.InfoOptions{})
			if err != nil {
				return err
			}
			if tmpl != nil {
				if err := tmpl.Execute(c.Out(), res.Info); err != nil {
					return fmt.Errorf("template parsing error: %w", err)
				}
				fmt.Fprintln(c.Out())
				return nil
			}
			printInfo(c.Out(), &res.Info)
			for _, w := range res.Info.Warnings {
				fmt.Fprintln(c.Err(), w)
			}
			return nil
		})
	cmd.Flags().StringVarP(&fmtStr, "format", "f", "", "Go template to print with")
	return cmd
}

// printInfo renders "info" in docker 28's layout.
func printInfo(w io.Writer, i *system.Info) {
	fmt.Fprintf(w, "Client:\n Version:    %s\n Context:    default\n Debug Mode: false\n\n", Version)
	fmt.Fprintln(w, "Server:")
	fmt.Fprintln(w, " Containers:", i.Containers)
	fmt.Fprintln(w, "  Running:", i.ContainersRunning)
	fmt.Fprintln(w, "  Paused:", i.ContainersPaused)
	fmt.Fprintln(w, "  Stopped:", i.ContainersStopped)
	fmt.Fprintln(w, " Images:", i.Images)
	fmt.Fprintln(w, " Server Version:", i.ServerVersion)
	fmt.Fprintln(w, " Storage Driver:", i.Driver)
	for _, kv := range i.DriverStatus {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintln(w, " Logging Driver:", i.LoggingDriver)
	fmt.Fprintln(w, " Cgroup Driver:", i.CgroupDriver)
	if i.CgroupVersion != "" {
		fmt.Fprintln(w, " Cgroup Version:", i.CgroupVersion)
	}
	fmt.Fprintln(w, " Plugins:")
	fmt.Fprintln(w, "  Volume:", strings.Join(i.Plugins.Volume, " "))
	fmt.Fprintln(w, "  Network:", strings.Join(i.Plugins.Network, " "))
	if len(i.Plugins.Authorization) > 0 {
		fmt.Fprintln(w, "  Authorization:", strings.Join(i.Plugins.Authorization, " "))
	}
	fmt.Fprintln(w, "  Log:", strings.Join(i.Plugins.Log, " "))
	if len(i.CDISpecDirs) > 0 {
		fmt.Fprintln(w, " CDI spec directories:")
		for _, d := range i.CDISpecDirs {
			fmt.Fprintln(w, " ", d)
		}
	}
	fmt.Fprintln(w, " Swarm:", i.Swarm.LocalNodeState)
	if st := i.Swarm.LocalNodeState; st != "inactive" && st != "locked" {
		fmt.Fprintln(w, "  NodeID:", i.Swarm.NodeID)
		if i.Swarm.Error != "" {
			fmt.Fprintln(w, "  Error:", i.Swarm.Error)
		}
		fmt.Fprintln(w, "  Is Manager:", i.Swarm.ControlAvailable)
		fmt.Fprintln(w, "  Node Address:", i.Swarm.NodeAddr)
	}
	if len(i.Runtimes) > 0 {
		names := make([]string, 0, len(i.Runtimes))
		for name := range i.Runtimes {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Fprintln(w, " Runtimes:", strings.Join(names, " "))
		fmt.Fprintln(w, " Default Runtime:", i.DefaultRuntime)
	}
	if i.OSType == "linux" {
		fmt.Fprintln(w, " Init Binary:", i.InitBinary)
		for _, v := range []struct {
			name string
			c    system.Commit
		}{{"containerd", i.ContainerdCommit}, {"runc", i.RuncCommit}, {"init", i.InitCommit}} {
			fmt.Fprintf(w, " %s version: %s\n", v.name, v.c.ID)
		}
		if len(i.SecurityOptions) > 0 {
			fmt.Fprintln(w, " Security Options:")
			for _, o := range i.SecurityOptions {
				for _, p := range strings.Split(o, ",") {
					k, v, _ := strings.Cut(p, "=")
					if k == "name" {
						fmt.Fprintf(w, "  %s\n", v)
					} else if k != "" {
						fmt.Fprintf(w, "   %s: %s\n", strings.ToUpper(k[:1])+k[1:], v)
					}
				}
			}
		}
	}
	fmt.Fprintln(w, " Kernel Version:", i.KernelVersion)
	fmt.Fprintln(w, " Operating System:", i.OperatingSystem)
	fmt.Fprintln(w, " OSType:", i.OSType)
	fmt.Fprintln(w, " Architecture:", i.Architecture)
	fmt.Fprintln(w, " CPUs:", i.NCPU)
	fmt.Fprintln(w, " Total Memory:", units.BytesSize(float64(i.MemTotal)))
	fmt.Fprintln(w, " Name:", i.Name)
	fmt.Fprintln(w, " ID:", i.ID)
	fmt.Fprintln(w, " Docker Root Dir:", i.DockerRootDir)
	fmt.Fprintln(w, " Debug Mode:", i.Debug)
	if i.Debug {
		fmt.Fprintln(w, "  File Descriptors:", i.NFd)
		fmt.Fprintln(w, "  Goroutines:", i.NGoroutines)
		fmt.Fprintln(w, "  System Time:", i.SystemTime)
		fmt.Fprintln(w, "  EventsListeners:", i.NEventsListener)
	}
	if i.HTTPProxy != "" {
		fmt.Fprintln(w, " HTTP Proxy:", i.HTTPProxy)
	}
	if i.HTTPSProxy != "" {
		fmt.Fprintln(w, " HTTPS Proxy:", i.HTTPSProxy)
	}
	if i.NoProxy != "" {
		fmt.Fprintln(w, " No Proxy:", i.NoProxy)
	}
	if len(i.Labels) > 0 {
		fmt.Fprintln(w, " Labels:")
		for _, l := range i.Labels {
			fmt.Fprintln(w, " ", l)
		}
	}
	fmt.Fprintln(w, " Experimental:", i.ExperimentalBuild)
	fmt.Fprintln(w, " Live Restore Enabled:", i.LiveRestoreEnabled)
	fmt.Fprintln(w)
}

// NewEventsCommand makes "berth events".
func NewEventsCommand(c command.Cli) *cobra.Command {
	var since, until, fmtStr string
	var filters []string
	cmd := command.New("events [OPTIONS]", "Print the engine's events as they happen", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			tmpl, err := format.ParseFormat(fmtStr)
			if err != nil {
				return err
			}
			f, api, err := command.FiltersAndClient(cmd.Context(), c, filters)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			res := api.Events(ctx, client.EventsListOptions{Since: since, Until: until, Filters: f})
			for {
				select {
				case m, ok := <-res.Messages:
					if !ok {
						return nil
					}
					if tmpl != nil {
						if err := tmpl.Execute(c.Out(), m); err != nil {
							return err
						}
						fmt.Fprintln(c.Out())
						continue
					}
					fmt.Fprintf(c.Out(), "%s %s %s %s", time.Unix(0, m.TimeNano).Format(jsonmessage.RFC3339NanoFixed), m.Type, m.Action, m.Actor.ID)
					if len(m.Actor.Attributes) > 0 {
						var attrs []string
						for k, v := range m.Actor.Attributes {
							attrs = append(attrs, k+"="+v)
						}
						sort.Strings(attrs)
						fmt.Fprintf(c.Out(), " (%s)", strings.Join(attrs, ", "))
					}
					fmt.Fprintln(c.Out())
				case err := <-res.Err:
					if err == io.EOF {
						return nil
					}
					return err
				}
			}
		})
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "Begin with the past events from this time")
	f.StringVar(&until, "until", "", "Stop at this time")
	f.VarP(opts.NewList(&filters), "filter", "f", "Filter, key=value")
	f.StringVar(&fmtStr, "format", "", "Go template to print with")
	return cmd
}

// Version is the berth version printed by "berth version" and "berth -v".
var Version = "0.1.0-dev"
