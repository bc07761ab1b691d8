package format

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type row struct{ A, B string }

func TestTableWriter(t *testing.T) {
	w, err := NewWriter("", "{{.A}}\t{{.B}}")
	if err != nil {
		t.Fatal(err)
	}
	w.Row(row{"x", "1"})
	w.Row(row{"a-much-longer-value", "2"})
	var b bytes.Buffer
	if err := w.Flush(&b, map[string]string{"A": "COL A", "B": "COL B"}); err != nil {
		t.Fatal(err)
	}
	want := "COL A                 COL B\nx                     1\na-much-longer-value   2\n"
	if b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
}

func TestNormalizeAndFuncs(t *testing.T) {
	if text, table := Normalize("table {{.A}}\\t{{.B}}", "x"); !table || text != "{{.A}}\t{{.B}}" {
		t.Errorf("table format: %q %v", text, table)
	}
	if text, table := Normalize("json", "x"); table || text != "{{json .}}" {
		t.Errorf("json format: %q %v", text, table)
	}
	w, err := NewWriter(`{{json .}} {{upper .A}} {{lower "X"}} {{join (split .B ",") "+"}} {{title "ab cd"}} [{{pad .A 1 2}}] {{truncate .B 2}}`, "")
	if err != nil {
		t.Fatal(err)
	}
	w.Row(row{"a<b", "1,2"})
	var b bytes.Buffer
	w.Flush(&b, nil)
	want := `{"A":"a<b","B":"1,2"} A<B x 1+2 Ab Cd [ a<b  ] 1,` + "\n"
	if b.String() != want {
		t.Fatalf("got %q want %q", b.String(), want)
	}
	if _, err := NewWriter("{{.A", ""); err == nil || !strings.HasPrefix(err.Error(), "template parsing error: ") {
		t.Fatalf("bad template error %v", err)
	}
	if _, err := NewWriter("{{nosuchfunc .A}}", ""); err == nil {
		t.Fatal("unknown function accepted")
	}
}

func TestHuman(t *testing.T) {
	if got := TruncateID("sha256:0123456789abcdef"); got != "0123456789ab" {
		t.Errorf("TruncateID %q", got)
	}
	if got := Ellipsis("hello world", 5); got != "hell…" {
		t.Errorf("Ellipsis %q", got)
	}
	if got := Ellipsis("short", 20); got != "short" {
		t.Errorf("Ellipsis %q", got)
	}
	now := time.Unix(1_000_000, 0)
	for secs, want := range map[int64]string{0: "Less than a second ago", 3: "3 seconds ago", 120: "2 minutes ago", 70 * 60: "About an hour ago", 3 * 86400: "3 days ago"} {
		if got := Ago(now.Unix()-secs, now); got != want {
			t.Errorf("Ago(-%ds) = %q, want %q", secs, got, want)
		}
	}
	if got := Size(4_272_193); got != "4.27MB" {
		t.Errorf("Size %q", got)
	}
	if got := Size(0); got != "0B" {
		t.Errorf("Size(0) %q", got)
	}
}
