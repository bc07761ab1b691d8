package command

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
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// InspectFunc fetches one object by name: its typed value (for templates)
// and its raw JSON (for the default output).
type InspectFunc func(ctx context.Context, name string) (any, []byte, error)

// NewInspectCommand makes an inspect command with its --format flag (into
// format); getter picks, once the flags are parsed, how one object is
// fetched. Callers add their other flags.
func NewInspectCommand(c Cli, use, short string, format *string, getter func(api client.APIClient) (InspectFunc, error)) *cobra.Command {
	cmd := NewAPI(c, use, short, MinArgs(1), func(cmd *cobra.Command, api client.APIClient, args []string) error {
		get, err := getter(api)
		if err != nil {
			return err
		}
		return Inspect(cmd.Context(), c, args, *format, get)
	})
	cmd.Flags().StringVarP(format, "format", "f", "", "Go template to print with")
	return cmd
}

// Inspected is an InspectFunc's answer made from the daemon's: the typed
// value and its raw JSON, or err.
func Inspected(v any, raw []byte, err error) (any, []byte, error) {
	if err != nil {
		return nil, nil, err
	}
	return v, raw, nil
}

// SizeFlagUsage is the help of the --size flag of inspect and container inspect.
const SizeFlagUsage = "Add the size of a container's files (SizeRw, SizeRootFs)"

// Inspect prints each object: as an indented JSON array by default, or
// through the template, trying the typed value first and the raw JSON map
// when the template does not fit the type (docker's fallback).
func Inspect(ctx context.Context, c Cli, names []string, fmtStr string, get InspectFunc) error {
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
		if err := execInspectTemplate(c.Out(), tmpl, v, raw); err != nil {
			return err
		}
	}
	if tmpl == nil {
		if err := writeIndentedJSON(c.Out(), raws); err != nil {
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
