package opts

import (
	"strconv"
	"strings"

	units "github.com/docker/go-units"
)

// MemBytes is a pflag.Value for memory amounts ("512m"), so that a bad
// value is a flag error as in docker.
type MemBytes int64

// String renders the amount in bytes ("" when unset).
func (m *MemBytes) String() string {
	if *m == 0 {
		return ""
	}
	return units.BytesSize(float64(*m))
}

// Set parses a memory amount.
func (m *MemBytes) Set(v string) error {
	n, err := units.RAMInBytes(v)
	*m = MemBytes(n)
	return err
}

// Type names the value in help output.
func (m *MemBytes) Type() string { return "bytes" }

// MemSwapBytes is MemBytes that also accepts "-1" (unlimited).
type MemSwapBytes int64

// String renders the amount in bytes ("" when unset).
func (m *MemSwapBytes) String() string {
	b := MemBytes(*m)
	return b.String()
}

// Set parses a swap amount or -1.
func (m *MemSwapBytes) Set(v string) error {
	if v == "-1" {
		*m = -1
		return nil
	}
	var b MemBytes
	err := b.Set(v)
	*m = MemSwapBytes(b)
	return err
}

// Type names the value in help output.
func (m *MemSwapBytes) Type() string { return "bytes" }

// NanoCPUs is a pflag.Value for --cpus ("1.5").
type NanoCPUs int64

// String renders the CPU count.
func (n *NanoCPUs) String() string {
	if *n == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(*n)/1e9, 'f', -1, 64)
}

// Set parses a decimal CPU count.
func (n *NanoCPUs) Set(v string) error {
	c, err := ParseCPUs(v)
	*n = NanoCPUs(c)
	return err
}

// Type names the value in help output.
func (n *NanoCPUs) Type() string { return "decimal" }

// List is a repeatable string flag ("-e A -e B"), as docker's "list" type:
// each occurrence appends one value, commas included. Unlike pflag's
// stringArray it does not format its default through encoding/csv when
// the flag is defined, which made every CLI start allocate a buffer per
// flag.
type List struct{ p *[]string }

// NewList returns a List that appends to *p.
func NewList(p *[]string) *List { return &List{p: p} }

// String renders the values as "[a b]" ("" when empty, so that help
// shows no default).
func (l *List) String() string {
	if l.p == nil || len(*l.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*l.p, " ") + "]"
}

// Set appends a value.
func (l *List) Set(v string) error {
	*l.p = append(*l.p, v)
	return nil
}

// Type names the value in help output.
func (l *List) Type() string { return "list" }

// GetSlice returns the values (pflag.SliceValue).
func (l *List) GetSlice() []string { return *l.p }

// Replace replaces the values (pflag.SliceValue).
func (l *List) Replace(v []string) error {
	*l.p = append((*l.p)[:0], v...)
	return nil
}

// Append appends a value (pflag.SliceValue).
func (l *List) Append(v string) error { return l.Set(v) }
