package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/berth/berth/internal/cli/format"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// inspectFunc fetches one object by name: its typed value (for templates)
// and its raw JSON (for the default output).
type inspectFunc func(ctx context.Context, name string) (any, []byte, error)

type inspectOptions struct {
	format string
	size   bool
	typ    string
}

func (c *CLI) newInspectCommand() *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on Docker objects",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			var get inspectFunc
			switch o.typ {
			case "":
				chain := []inspectFunc{containerInspector(api, o.size), imageInspector(api),
					networkInspector(api, false), volumeInspector(api)}
				get = func(ctx context.Context, name string) (any, []byte, error) {
					for _, try := range chain {
						v, raw, err := try(ctx, name)
						if err == nil || !cerrdefs.IsNotFound(err) {
							return v, raw, err
						}
					}
					return nil, nil, fmt.Errorf("Error: No such object: %s", name)
				}
			case "container":
				get = containerInspector(api, o.size)
			case "image":
				get = imageInspector(api)
			case "network":
				get = networkInspector(api, false)
			case "volume":
				get = volumeInspector(api)
			default:
				return fmt.Errorf("%q is not a valid value for --type", o.typ)
			}
			return c.inspect(cmd.Context(), args, o.format, get)
		},
	}
	addInspectFlags(cmd, &o)
	cmd.Flags().StringVar(&o.typ, "type", "", "Only inspect objects of the given type")
	return cmd
}

func addInspectFlags(cmd *cobra.Command, o *inspectOptions) {
	cmd.Flags().StringVarP(&o.format, "format", "f", "", "Format output using a custom template")
	cmd.Flags().BoolVarP(&o.size, "size", "s", false, "Display total file sizes if the type is container")
}

func containerInspector(api client.APIClient, size bool) inspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		res, err := api.ContainerInspect(ctx, name, client.ContainerInspectOptions{Size: size})
		if err != nil {
			return nil, nil, err
		}
		return res.Container, res.Raw, nil
	}
}

func imageInspector(api client.APIClient) inspectFunc {
	return func(ctx context.Context, name string) (any, []byte, error) {
		var raw bytes.Buffer
		res, err := api.ImageInspect(ctx, name, client.ImageInspectWithRawResponse(&raw))
		if err != nil {
			return nil, nil, err
		}
		return res.InspectResponse, raw.Bytes(), nil
	}
}

func (c *CLI) newContainerInspectCommand() *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Display detailed information on one or more containers",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			return c.inspect(cmd.Context(), args, o.format, containerInspector(api, o.size))
		},
	}
	addInspectFlags(cmd, &o)
	return cmd
}

func (c *CLI) newImageInspectCommand() *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			return c.inspect(cmd.Context(), args, o.format, imageInspector(api))
		},
	}
	cmd.Flags().StringVarP(&o.format, "format", "f", "", "Format output using a custom template")
	return cmd
}

// inspect prints each object: as an indented JSON array by default, or
// through the template, trying the typed value first and the raw JSON map
// when the template does not fit the type (docker's fallback).
func (c *CLI) inspect(ctx context.Context, names []string, fmtStr string, get inspectFunc) error {
	var tmpl *template.Template
	if fmtStr != "" && fmtStr != "json" {
		t, err := format.Parse(fmtStr)
		if err != nil {
			// docker inspect exits 64 on a bad template.
			return StatusError{Status: err.Error(), Code: 64}
		}
		tmpl = t
	}
	var raws [][]byte
	var errs []string
	for _, n := range names {
		v, raw, err := get(ctx, n)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if tmpl == nil {
			raws = append(raws, raw)
			continue
		}
		if err := execInspectTemplate(c.Out, tmpl, v, raw); err != nil {
			return err
		}
	}
	if tmpl == nil {
		if err := writeIndentedJSON(c.Out, raws); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return StatusError{Status: strings.Join(errs, "\n"), Code: 1}
	}
	return nil
}

func execInspectTemplate(out io.Writer, tmpl *template.Template, v any, raw []byte) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		var m any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if derr := dec.Decode(&m); derr != nil {
			return fmt.Errorf("template parsing error: %w", err)
		}
		buf.Reset()
		if err2 := tmpl.Execute(&buf, m); err2 != nil {
			return fmt.Errorf("template parsing error: %w", err)
		}
	}
	buf.WriteString("\n")
	_, err := buf.WriteTo(out)
	return err
}

// writeIndentedJSON writes raw objects as docker does: a JSON array
// indented with four spaces, "[]" when empty.
func writeIndentedJSON(out io.Writer, raws [][]byte) error {
	if len(raws) == 0 {
		_, err := io.WriteString(out, "[]\n")
		return err
	}
	var b bytes.Buffer
	b.WriteString("[")
	b.Write(bytes.Join(raws, []byte(",")))
	b.WriteString("]")
	var ind bytes.Buffer
	if err := json.Indent(&ind, b.Bytes(), "", "    "); err != nil {
		return errors.New("decode inspect output: " + err.Error())
	}
	ind.WriteString("\n")
	_, err := ind.WriteTo(out)
	return err
}
