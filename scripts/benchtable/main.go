// Command benchtable reads what the benchmark scripts printed and writes
// one Markdown table: per benchmark, Docker's, Podman's and berth's median
// and p90, other engines measured beside them (runc, a floor), the
// berth/Docker ratio, the target and whether it is met. scripts/bench-all.sh
// runs the scripts and calls it.
//
//	benchtable [-targets FILE] NAME=LOG...
//
// NAME is the benchmark's short name (bench-run.sh: "run") and LOG what its
// script printed. Three kinds of line count; the rest is left to the logs:
//
//	CASE/ENGINE MEDIAN P90 RUNS ...   one engine's figures in ms ("ms" may follow a figure)
//	ENGINE[-CASE] MEDIAN P90 RUNS ... the same, ENGINE one of berth, docker, podman, runc, crun
//	ratio WHAT = NUMBER               a ratio the script computed
//
// and a line "ENGINE: ..." (podman: cannot run here: ...) or "FAILED: ..."
// becomes a note under the table. Engine lines are grouped by NAME and
// CASE into one row each; a ratio line is a row of its own unless it only
// repeats the berth/Docker ratio of such a row.
//
// The targets file has one line per target, "NAME | ROW | TARGET", ROW the
// case ("-" for none) or "ratio WHAT", TARGET "ratio OP N" (the row's
// berth/Docker ratio, or the ratio line's number) or "berth OP N" (berth's
// median in ms), OP one of < <= > >=.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	targets := flag.String("targets", "", "file of targets (NAME | ROW | TARGET)")
	flag.Parse()
	var ts []target
	if *targets != "" {
		f, err := os.Open(*targets)
		if err != nil {
			fail(err)
		}
		ts, err = parseTargets(f)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	var t table
	for _, arg := range flag.Args() {
		name, path, ok := strings.Cut(arg, "=")
		if !ok {
			fail(fmt.Errorf("argument %q is not NAME=LOG", arg))
		}
		f, err := os.Open(path)
		if err != nil {
			fail(err)
		}
		err = t.read(name, f)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	t.write(os.Stdout, ts)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(1)
}

// peers are the engines with a column of their own; any other engine
// goes to the "other" column.
var peers = []string{"docker", "podman", "berth"}

// known are the engine names recognised in ENGINE[-CASE].
var known = []string{"berth", "docker", "podman", "runc", "crun"}

type figure struct {
	engine   string
	med, p90 float64
	runs     int
}

type row struct {
	bench, key string // key: the case ("" for none) or "ratio WHAT"
	figs       []figure
	ratio      float64 // a ratio line's number
	isRatio    bool
}

type table struct {
	rows  []*row
	notes []string
}

var (
	engineLine = regexp.MustCompile(`^(\S+)\s+([0-9]+(?:\.[0-9]+)?)(?:ms)?\s+([0-9]+(?:\.[0-9]+)?)(?:ms)?\s+([0-9]+)(?:\s|$)`)
	ratioLine  = regexp.MustCompile(`^ratio\s+(.+?)\s+=\s+([0-9]+(?:\.[0-9]+)?)\s*$`)
	noteLine   = regexp.MustCompile(`^(?:berth|docker|podman|runc|crun|FAILED):\s`)
)

// read adds what one script printed.
func (t *table) read(bench string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := ratioLine.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			t.rows = append(t.rows, &row{bench: bench, key: "ratio " + m[1], ratio: v, isRatio: true})
			continue
		}
		if m := engineLine.FindStringSubmatch(line); m != nil {
			c, engine := splitName(m[1])
			med, _ := strconv.ParseFloat(m[2], 64)
			p90, _ := strconv.ParseFloat(m[3], 64)
			runs, _ := strconv.Atoi(m[4])
			t.row(bench, c).figs = append(t.row(bench, c).figs, figure{engine, med, p90, runs})
			continue
		}
		if noteLine.MatchString(line) {
			t.notes = append(t.notes, bench+": "+line)
		}
	}
	return sc.Err()
}

// splitName splits CASE/ENGINE or ENGINE[-CASE].
func splitName(name string) (c, engine string) {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:]
	}
	for _, e := range known {
		if name == e {
			return "", e
		}
		if rest, ok := strings.CutPrefix(name, e+"-"); ok {
			return rest, e
		}
	}
	return "", name
}

// row returns the engine row of bench and case c, adding it.
func (t *table) row(bench, c string) *row {
	for _, r := range t.rows {
		if !r.isRatio && r.bench == bench && r.key == c {
			return r
		}
	}
	r := &row{bench: bench, key: c}
	t.rows = append(t.rows, r)
	return r
}

func (r *row) fig(engine string) *figure {
	for i := range r.figs {
		if r.figs[i].engine == engine {
			return &r.figs[i]
		}
	}
	return nil
}

// value is what a target of kind ("ratio" or "berth") compares.
func (r *row) value(kind string) (float64, bool) {
	if r.isRatio {
		return r.ratio, kind == "ratio"
	}
	b := r.fig("berth")
	if b == nil {
		return 0, false
	}
	if kind == "berth" {
		return b.med, true
	}
	d := r.fig("docker")
	if d == nil || d.med == 0 {
		return 0, false
	}
	return b.med / d.med, true
}

type target struct {
	bench, key string
	kind, op   string
	n          float64
}

func (t target) String() string { return fmt.Sprintf("%s %s %g", t.kind, t.op, t.n) }

// met reports whether v meets the target.
func (t target) met(v float64) bool {
	switch t.op {
	case "<":
		return v < t.n
	case "<=":
		return v <= t.n
	case ">":
		return v > t.n
	}
	return v >= t.n
}

var targetExpr = regexp.MustCompile(`^(ratio|berth)\s*(<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)?)$`)

// parseTargets reads "NAME | ROW | TARGET" lines; # starts a comment.
func parseTargets(r io.Reader) ([]target, error) {
	var ts []target
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 3 {
			return nil, fmt.Errorf("targets line %d: want NAME | ROW | TARGET", n)
		}
		m := targetExpr.FindStringSubmatch(strings.TrimSpace(f[2]))
		if m == nil {
			return nil, fmt.Errorf("targets line %d: target %q is not \"ratio|berth OP N\"", n, strings.TrimSpace(f[2]))
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		key := strings.TrimSpace(f[1])
		if key == "-" {
			key = ""
		}
		ts = append(ts, target{bench: strings.TrimSpace(f[0]), key: key, kind: m[1], op: m[2], n: v})
	}
	return ts, sc.Err()
}

// write prints the table and its notes as Markdown.
func (t *table) write(w io.Writer, ts []target) {
	fmt.Fprintln(w, "| benchmark | Docker median / p90 ms | Podman median / p90 ms | berth median / p90 ms | other (median / p90 ms) | berth/Docker | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range t.rows {
		if r.isRatio && t.repeats(r) && !targeted(r, ts) {
			continue
		}
		label := r.bench
		if r.key != "" {
			label += ": " + r.key
		}
		cols := []string{label}
		var others []string
		if r.isRatio {
			cols = append(cols, "", "", "", "", strconv.FormatFloat(r.ratio, 'f', -1, 64))
		} else {
			for _, p := range peers {
				cols = append(cols, cell(r.fig(p)))
			}
			for _, f := range r.figs {
				if f.engine != "docker" && f.engine != "podman" && f.engine != "berth" {
					others = append(others, f.engine+" "+cell(&f))
				}
			}
			cols = append(cols, strings.Join(others, ", "))
			ratio := ""
			if v, ok := r.value("ratio"); ok {
				ratio = fmt.Sprintf("%.3f", v)
			}
			cols = append(cols, ratio)
		}
		goal, met := "", ""
		for _, tg := range ts {
			if tg.bench != r.bench || tg.key != r.key {
				continue
			}
			goal = tg.String()
			if v, ok := r.value(tg.kind); !ok {
				met = "?"
			} else if tg.met(v) {
				met = "yes"
			} else {
				met = "no"
			}
		}
		cols = append(cols, goal, met)
		fmt.Fprintln(w, "| "+strings.Join(cols, " | ")+" |")
	}
	for _, tg := range ts {
		if !t.has(tg) {
			label := tg.bench
			if tg.key != "" {
				label += ": " + tg.key
			}
			fmt.Fprintf(w, "| %s | | | | | | %s | not measured |\n", label, tg)
		}
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

// repeats reports whether ratio row q only repeats the berth/Docker ratio
// of an engine row of the same benchmark (to the three decimals printed).
func (t *table) repeats(q *row) bool {
	for _, r := range t.rows {
		if v, ok := r.value("ratio"); ok && !r.isRatio && r.bench == q.bench && math.Abs(v-q.ratio) < 0.0015 {
			return true
		}
	}
	return false
}

func targeted(r *row, ts []target) bool {
	for _, tg := range ts {
		if tg.bench == r.bench && tg.key == r.key {
			return true
		}
	}
	return false
}

// has reports whether a row answers target tg.
func (t *table) has(tg target) bool {
	for _, r := range t.rows {
		if r.bench == tg.bench && r.key == tg.key {
			return true
		}
	}
	return false
}

func cell(f *figure) string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%s / %s (%d)", trim(f.med), trim(f.p90), f.runs)
}

func trim(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
