package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"
)

// Funcs are the template functions docker offers in every --format template.
var Funcs = template.FuncMap{
	"json": func(v any) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		return strings.TrimSpace(buf.String())
	},
	"split":    strings.Split,
	"join":     strings.Join,
	"title":    title,
	"lower":    strings.ToLower,
	"upper":    strings.ToUpper,
	"pad":      pad,
	"truncate": truncate,
	"println":  fmt.Sprintln,
}

// headerFuncs are used to render the header row of a table: functions that
// would transform the value keep the header text as is.
var headerFuncs = template.FuncMap{
	"json":     func(v string) string { return v },
	"split":    func(v string, _ string) string { return v },
	"join":     func(v string, _ string) string { return v },
	"title":    func(v string) string { return v },
	"lower":    func(v string) string { return v },
	"upper":    func(v string) string { return v },
	"pad":      func(v string, _, _ int) string { return v },
	"truncate": func(v string, _ int) string { return v },
	"println":  fmt.Sprintln,
}

func title(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = strings.ToUpper(string(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

func pad(s string, prefix, suffix int) string {
	return strings.Repeat(" ", prefix) + s + strings.Repeat(" ", suffix)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Parse parses a --format template with docker's functions. The error text
// is docker's: "template parsing error: …".
func Parse(format string) (*template.Template, error) {
	t, err := template.New("").Funcs(Funcs).Parse(format)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	return t, nil
}

func parseHeader(format string) (*template.Template, error) {
	t, err := template.New("").Funcs(headerFuncs).Option("missingkey=zero").Parse(format)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	return t, nil
}

// ParseFormat parses the --format value of a command without a table
// (info, events): nil for "", and "json" stands for "{{json .}}".
func ParseFormat(s string) (*template.Template, error) {
	switch s {
	case "":
		return nil, nil
	case "json":
		s = "{{json .}}"
	}
	return Parse(s)
}
