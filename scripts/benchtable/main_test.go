package main

import (
	"bytes"
	"strings"
	"testing"
)

// Lines in the shapes the scripts print become rows: CASE/ENGINE and
// ENGINE-CASE names, figures with and without "ms", ratio lines, notes;
// headers, prose and ratio lines that repeat a row's are left out; targets mark rows met or not, and a
// target no script answered is listed as not measured.
func TestTable(t *testing.T) {
	var tb table
	run := `podman: cannot run here: crun: open /proc/sys: permission denied
engine     median_ms     p90_ms   runs
berth          164.0      170.5     30
berth-none     150.0      160.0     30
docker         732.0      800.0     30
runc            76.0       80.0     30
ratio berth --network none/docker = 0.205
ratio berth (default network)/docker = 0.224
`
	life := `step/engine median_ms p90_ms runs
exec/berth 102.0ms 110.0ms 20
exec/docker 149.0ms 160.0ms 20
throughput: 50 containers in 6.5 s
`
	if err := tb.read("run", strings.NewReader(run)); err != nil {
		t.Fatal(err)
	}
	if err := tb.read("lifecycle", strings.NewReader(life)); err != nil {
		t.Fatal(err)
	}
	ts, err := parseTargets(strings.NewReader(`# comment
run | - | ratio <= 0.10
run | ratio berth --network none/docker | ratio <= 0.25
lifecycle | exec | berth < 100
pull | - | ratio <= 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tb.write(&out, ts)
	got := out.String()
	for _, want := range []string{
		"| run | 732 / 800 (30) |  | 164 / 170.5 (30) | runc 76 / 80 (30) | 0.224 | ratio <= 0.1 | no |",
		"| run: none |  |  | 150 / 160 (30) |  |  |  |  |",
		"| run: ratio berth --network none/docker |  |  |  |  | 0.205 | ratio <= 0.25 | yes |",
		"| lifecycle: exec | 149 / 160 (20) |  | 102 / 110 (20) |  | 0.685 | berth < 100 | no |",
		"| pull | | | | | | ratio <= 0.5 | not measured |",
		"- run: podman: cannot run here: crun: open /proc/sys: permission denied",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "engine") || strings.Contains(got, "throughput") {
		t.Errorf("a header or prose line became a row:\n%s", got)
	}
	if strings.Contains(got, "(default network)") {
		t.Errorf("a ratio line that repeats a row's ratio became a row:\n%s", got)
	}
}

func TestTargetsRejectsNonsense(t *testing.T) {
	for _, bad := range []string{"run | - | faster", "run | ratio <= 1"} {
		if _, err := parseTargets(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
