package format

import (
	"bytes"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// Writer renders one item per template execution, docker's way: a "table"
// format gets a header row and tab-aligned columns (minimum width 10,
// padding 3), any other format one line per item.
type Writer struct {
	tmpl   *template.Template
	header *template.Template
	table  bool
	buf    bytes.Buffer
}

// Normalize turns the user's --format value into the template text and
// whether it is a table, given the command's default table template
// (without the "table " prefix).
func Normalize(format, defaultTable string) (text string, table bool) {
	switch {
	case format == "" || format == "table":
		text, table = defaultTable, true
	case format == "json":
		text = "{{json .}}"
	case strings.HasPrefix(format, "table "):
		text, table = format[len("table "):], true
	default:
		text = format
	}
	text = strings.Trim(text, " ")
	text = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(text)
	return text, table
}

// NewWriter parses format (see Normalize).
func NewWriter(format, defaultTable string) (*Writer, error) {
	text, table := Normalize(format, defaultTable)
	t, err := Parse(text)
	if err != nil {
		return nil, err
	}
	w := &Writer{tmpl: t, table: table}
	if table {
		if w.header, err = parseHeader(text); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// IsTable reports whether the format renders a table.
func (w *Writer) IsTable() bool { return w.table }

// Row renders one item.
func (w *Writer) Row(v any) error {
	if err := w.tmpl.Execute(&w.buf, v); err != nil {
		return err
	}
	w.buf.WriteString("\n")
	return nil
}

// Flush writes the header (for tables, rendered from header, a map of field
// name to column title) and every row to out.
func (w *Writer) Flush(out io.Writer, header map[string]string) error {
	if !w.table {
		_, err := w.buf.WriteTo(out)
		return err
	}
	// The tabwriter writes each cell and each run of padding on its own:
	// collected here, the table reaches out in one write, not thousands.
	var tb bytes.Buffer
	tw := tabwriter.NewWriter(&tb, 10, 1, 3, ' ', 0)
	var hb bytes.Buffer
	if err := w.header.Execute(&hb, header); err != nil {
		return err
	}
	hb.WriteString("\n")
	if _, err := hb.WriteTo(tw); err != nil {
		return err
	}
	if _, err := w.buf.WriteTo(tw); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := tb.WriteTo(out)
	return err
}
