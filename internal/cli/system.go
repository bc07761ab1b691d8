package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/berth/berth/internal/cli/format"
	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
	"github.com/spf13/cobra"
)

// versionInfo is what "version" renders; --format templates see it.
type versionInfo struct {
	Client clientVersion
	Server *client.ServerVersionResult
}

type clientVersion struct {
	Platform   struct{ Name string }
	Version    string
	APIVersion string `json:"ApiVersion"`
	GoVersion  string
	Os         string
	Arch       string
	Context    string
}

const versionTemplate = `Client:{{if ne .Client.Platform.Name ""}} {{.Client.Platform.Name}}{{end}}
 Version:           {{.Client.Version}}
 API version:       {{.Client.APIVersion}}
 Go version:        {{.Client.GoVersion}}
 OS/Arch:           {{.Client.Os}}/{{.Client.Arch}}
 Context:           {{.Client.Context}}
{{- if .Server}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Engine:
  Version:          {{.Version}}
  API version:      {{.APIVersion}} (minimum version {{.MinAPIVersion}})
  OS/Arch:          {{.Os}}/{{.Arch}}
  Experimental:     {{.Experimental}}
{{- range $component := .Components}}{{if ne $component.Name "Engine"}}
 {{$component.Name}}:
  Version:          {{$component.Version}}
{{- end}}{{end}}{{end}}{{end}}`

func (c *CLI) newVersionCommand() *cobra.Command {
	var fmtStr string
	cmd := &cobra.Command{
		Use:   "version [OPTIONS]",
		Short: "Show the Docker version information",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			text := versionTemplate
			if fmtStr == "json" {
				text = "{{json .}}"
			} else if fmtStr != "" {
				text = fmtStr
			}
			tmpl, err := format.Parse(text)
			if err != nil {
				return err
			}
			v := versionInfo{Client: clientVersion{
				Version: Version, APIVersion: client.MaxAPIVersion, GoVersion: runtime.Version(),
				Os: runtime.GOOS, Arch: runtime.GOARCH, Context: "default",
			}}
			v.Client.Platform.Name = "berth"
			api, err := c.client(cmd)
			var serr error
			if err == nil {
				sv, err := api.ServerVersion(cmd.Context(), client.ServerVersionOptions{})
				if err == nil {
					v.Server = &sv
					if cl, ok := api.(*client.Client); ok {
						v.Client.APIVersion = cl.ClientVersion()
					}
				} else {
					serr = err
				}
			} else {
				serr = err
			}
			if err := tmpl.Execute(c.Out, v); err != nil {
				return fmt.Errorf("template parsing error: %w", err)
			}
			fmt.Fprintln(c.Out)
			return serr
		},
	}
	cmd.Flags().StringVarP(&fmtStr, "format", "f", "", "Format output using a custom template")
	return cmd
}

func (c *CLI) newInfoCommand() *cobra.Command {
	var fmtStr string
	cmd := &cobra.Command{
		Use:   "info [OPTIONS]",
		Short: "Display system-wide information",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var tmpl *template.Template
			if fmtStr != "" {
				text := fmtStr
				if text == "json" {
					text = "{{json .}}"
				}
				t, err := format.Parse(text)
				if err != nil {
					return err
				}
				tmpl = t
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			res, err := api.Info(cmd.Context(), client.InfoOptions{})
			if err != nil {
				return err
			}
			if tmpl != nil {
				if err := tmpl.Execute(c.Out, res.Info); err != nil {
					return fmt.Errorf("template parsing error: %w", err)
				}
				fmt.Fprintln(c.Out)
				return nil
			}
			printInfo(c.Out, &res.Info)
			for _, w := range res.Info.Warnings {
				fmt.Fprintln(c.Err, w)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&fmtStr, "format", "f", "", "Format output using a custom template")
	return cmd
}

// printInfo renders "info" in docker's layout.
func printInfo(w io.Writer, i *system.Info) {
	fmt.Fprintf(w, "Client:\n Version:    %s\n Context:    default\n Debug Mode: false\n\n", Version)
	fmt.Fprintln(w, "Server:")
	fmt.Fprintf(w, " Containers: %d\n", i.Containers)
	fmt.Fprintf(w, "  Running: %d\n", i.ContainersRunning)
	fmt.Fprintf(w, "  Paused: %d\n", i.ContainersPaused)
	fmt.Fprintf(w, "  Stopped: %d\n", i.ContainersStopped)
	fmt.Fprintf(w, " Images: %d\n", i.Images)
	fmt.Fprintf(w, " Server Version: %s\n", i.ServerVersion)
	fmt.Fprintf(w, " Storage Driver: %s\n", i.Driver)
	for _, kv := range i.DriverStatus {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(w, " Logging Driver: %s\n", i.LoggingDriver)
	fmt.Fprintf(w, " Cgroup Driver: %s\n", i.CgroupDriver)
	if i.CgroupVersion != "" {
		fmt.Fprintf(w, " Cgroup Version: %s\n", i.CgroupVersion)
	}
	var rts []string
	for name := range i.Runtimes {
		rts = append(rts, name)
	}
	sort.Strings(rts)
	if len(rts) > 0 {
		fmt.Fprintf(w, " Runtimes: %s\n", strings.Join(rts, " "))
	}
	fmt.Fprintf(w, " Default Runtime: %s\n", i.DefaultRuntime)
	if i.InitBinary != "" {
		fmt.Fprintf(w, " Init Binary: %s\n", i.InitBinary)
	}
	if len(i.SecurityOptions) > 0 {
		fmt.Fprintln(w, " Security Options:")
		for _, o := range i.SecurityOptions {
			parts := strings.Split(o, ",")
			for _, p := range parts {
				k, v, _ := strings.Cut(p, "=")
				if k == "name" {
					fmt.Fprintf(w, "  %s\n", v)
				} else {
					fmt.Fprintf(w, "   %s: %s\n", strings.ToUpper(k[:1])+k[1:], v)
				}
			}
		}
	}
	fmt.Fprintf(w, " Kernel Version: %s\n", i.KernelVersion)
	fmt.Fprintf(w, " Operating System: %s\n", i.OperatingSystem)
	fmt.Fprintf(w, " OSType: %s\n", i.OSType)
	fmt.Fprintf(w, " Architecture: %s\n", i.Architecture)
	fmt.Fprintf(w, " CPUs: %d\n", i.NCPU)
	fmt.Fprintf(w, " Total Memory: %s\n", units.BytesSize(float64(i.MemTotal)))
	fmt.Fprintf(w, " Name: %s\n", i.Name)
	fmt.Fprintf(w, " ID: %s\n", i.ID)
	fmt.Fprintf(w, " Docker Root Dir: %s\n", i.DockerRootDir)
	fmt.Fprintf(w, " Debug Mode: %v\n", i.Debug)
	fmt.Fprintf(w, " Experimental: %v\n", i.ExperimentalBuild)
	fmt.Fprintf(w, " Live Restore Enabled: %v\n", i.LiveRestoreEnabled)
	fmt.Fprintln(w)
}

func (c *CLI) newEventsCommand() *cobra.Command {
	var since, until, fmtStr string
	var filters []string
	cmd := &cobra.Command{
		Use:   "events [OPTIONS]",
		Short: "Get real time events from the server",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var tmpl *template.Template
			if fmtStr != "" {
				text := fmtStr
				if text == "json" {
					text = "{{json .}}"
				}
				t, err := format.Parse(text)
				if err != nil {
					return err
				}
				tmpl = t
			}
			f, err := parseFilters(filters)
			if err != nil {
				return err
			}
			api, err := c.client(cmd)
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
						if err := tmpl.Execute(c.Out, m); err != nil {
							return err
						}
						fmt.Fprintln(c.Out)
						continue
					}
					fmt.Fprintf(c.Out, "%s %s %s %s", time.Unix(0, m.TimeNano).Format(jsonmessage.RFC3339NanoFixed), m.Type, m.Action, m.Actor.ID)
					if len(m.Actor.Attributes) > 0 {
						var attrs []string
						for k, v := range m.Actor.Attributes {
							attrs = append(attrs, k+"="+v)
						}
						sort.Strings(attrs)
						fmt.Fprintf(c.Out, " (%s)", strings.Join(attrs, ", "))
					}
					fmt.Fprintln(c.Out)
				case err := <-res.Err:
					if err == io.EOF {
						return nil
					}
					return err
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "Show all events created since timestamp")
	f.StringVar(&until, "until", "", "Stream events until this timestamp")
	f.StringArrayVarP(&filters, "filter", "f", nil, "Filter output based on conditions provided")
	f.StringVar(&fmtStr, "format", "", "Format output using a custom template")
	return cmd
}
