package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// idPrefix starts every container id and so every cgroup the runtimes create.
const idPrefix = "bt-ov-bench-"

// rtSpec is one runtime under test.
type rtSpec struct {
	label         string
	argv          []string // command and fixed arguments, without --root
	umountUnified bool
}

// liveWorker is a running worker process for one runtime.
type liveWorker struct {
	spec  rtSpec
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	state string // the runtime's --root
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-worker" {
		os.Exit(workerMain(os.Args[2]))
	}
	os.Exit(run())
}

func run() int {
	n := flag.Int("n", 50, "measured iterations per runtime and mode")
	warm := flag.Int("warmup", 3, "untimed iterations first")
	workdir := flag.String("workdir", "/tmp/berth-bench-runtime", "bundles and scratch files (removed afterwards)")
	root := flag.String("root", "/run/bt-ov-bench", "parent of each runtime's --root state directory")
	modes := flag.String("modes", "run,seq", "modes to measure: run, seq")
	umount := flag.String("umount-unified", "crun", "labels whose worker unmounts /sys/fs/cgroup/unified")
	subject := flag.String("subject", "berth", "runtime whose ratios to the others are reported")
	bb := flag.String("busybox", "/bin/busybox", "static busybox for the bundle")
	timeout := flag.Duration("timeout", time.Minute, "limit for one runtime command and for a container's exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] [[label=]runtime [args]]...\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "bench: must run as root")
		return 2
	}
	args := flag.Args()
	if len(args) == 0 {
		args = []string{"runc", "crun"}
	}
	fix := map[string]bool{}
	for _, l := range strings.Split(*umount, ",") {
		fix[strings.TrimSpace(l)] = true
	}
	var specs []rtSpec
	for _, a := range args {
		s, err := parseRuntime(a, specs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 2
		}
		s.umountUnified = fix[s.label]
		specs = append(specs, s)
	}
	var ms []string
	for _, m := range strings.Split(*modes, ",") {
		if m != "run" && m != "seq" {
			fmt.Fprintf(os.Stderr, "bench: unknown mode %q\n", m)
			return 2
		}
		ms = append(ms, m)
	}
	b := &bench{n: *n, warmup: *warm, workdir: *workdir, root: *root, modes: ms, subject: *subject, timeout: *timeout}
	defer b.cleanup()
	if err := b.start(specs, *bb); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	b.measure()
	b.report(os.Stdout)
	return 0
}

var labelRe = regexp.MustCompile(`^([A-Za-z0-9_.-]+)=(.+)$`)

// parseRuntime turns "[label=]command [args]" into an rtSpec with a label
// not used by prev.
func parseRuntime(s string, prev []rtSpec) (rtSpec, error) {
	var r rtSpec
	if m := labelRe.FindStringSubmatch(s); m != nil {
		r.label, s = m[1], m[2]
	}
	r.argv = strings.Fields(s)
	if len(r.argv) == 0 {
		return r, errors.New("empty runtime")
	}
	p, err := exec.LookPath(r.argv[0])
	if err != nil {
		return r, fmt.Errorf("find runtime %s: %w", r.argv[0], err)
	}
	if p, err = filepath.Abs(p); err != nil {
		return r, fmt.Errorf("resolve runtime %s: %w", r.argv[0], err)
	}
	r.argv[0] = p
	if r.label == "" {
		r.label = filepath.Base(p)
	}
	for _, o := range prev {
		if o.label == r.label {
			return r, fmt.Errorf("runtime label %q given twice; use label=command", r.label)
		}
	}
	return r, nil
}

// bench is one benchmark run.
type bench struct {
	n, warmup int
	workdir   string
	root      string
	modes     []string
	subject   string
	timeout   time.Duration
	workers   []*liveWorker
	dropped   []string                              // runtimes that failed warm-up, with the error
	samples   map[string]map[string][]time.Duration // mode -> label -> totals
	cpu       map[string]map[string][]time.Duration // mode -> label -> CPU time
	steps     map[string]map[string]map[string][]time.Duration
	errs      map[string]map[string][]string
	started   time.Time
}

func (b *bench) start(specs []rtSpec, bb string) error {
	b.samples = map[string]map[string][]time.Duration{}
	b.cpu = map[string]map[string][]time.Duration{}
	b.steps = map[string]map[string]map[string][]time.Duration{}
	b.errs = map[string]map[string][]string{}
	for _, m := range b.modes {
		b.samples[m] = map[string][]time.Duration{}
		b.cpu[m] = map[string][]time.Duration{}
		b.steps[m] = map[string]map[string][]time.Duration{}
		b.errs[m] = map[string][]string{}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	scratch := filepath.Join(b.workdir, "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return fmt.Errorf("create work dir: %w", err)
	}
	for _, s := range specs {
		bundle := filepath.Join(b.workdir, "bundle-"+s.label)
		if err := makeBundle(bundle, bb); err != nil {
			return fmt.Errorf("make bundle for %s: %w", s.label, err)
		}
		state := filepath.Join(b.root, s.label)
		if err := os.MkdirAll(state, 0o700); err != nil {
			return fmt.Errorf("create state root: %w", err)
		}
		cfg := workerConfig{
			Label:         s.label,
			Argv:          append(append([]string(nil), s.argv...), "--root", state),
			Bundle:        bundle,
			Scratch:       scratch,
			UmountUnified: s.umountUnified,
			Timeout:       b.timeout,
		}
		j, _ := json.Marshal(cfg)
		cmd := exec.Command(self, "-worker", string(j))
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return fmt.Errorf("worker stdin: %w", err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return fmt.Errorf("worker stdout: %w", err)
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start worker for %s: %w", s.label, err)
		}
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		b.workers = append(b.workers, &liveWorker{spec: s, cmd: cmd, in: in, out: sc, state: state})
	}
	return nil
}

// ask sends one request to w and waits for its result.
func (w *liveWorker) ask(req request) (result, error) {
	j, _ := json.Marshal(req)
	if _, err := w.in.Write(append(j, '\n')); err != nil {
		return result{}, fmt.Errorf("send to worker %s: %w", w.spec.label, err)
	}
	if !w.out.Scan() {
		return result{}, fmt.Errorf("worker %s exited", w.spec.label)
	}
	var res result
	if err := json.Unmarshal(w.out.Bytes(), &res); err != nil {
		return result{}, fmt.Errorf("decode result of worker %s: %w", w.spec.label, err)
	}
	return res, nil
}

func (b *bench) measure() {
	// Warm-up, round-robin too; a runtime that fails here is dropped.
	for i := 0; i < b.warmup; i++ {
		for _, m := range b.modes {
			for _, w := range b.active() {
				res, err := w.ask(request{Mode: m, ID: fmt.Sprintf("%s%s-%s-w%d", idPrefix, w.spec.label, m, i)})
				if err == nil && res.Err != "" {
					err = errors.New(res.Err)
				}
				if err != nil {
					b.dropped = append(b.dropped, fmt.Sprintf("%s: %v", w.spec.label, err))
					b.stop(w)
				}
			}
		}
	}
	b.started = time.Now()
	for i := 0; i < b.n; i++ {
		for _, m := range b.modes {
			for _, w := range b.active() {
				l := w.spec.label
				res, err := w.ask(request{Mode: m, ID: fmt.Sprintf("%s%s-%s-%d", idPrefix, l, m, i)})
				if err == nil && res.Err != "" {
					err = errors.New(res.Err)
				}
				if err != nil {
					b.errs[m][l] = append(b.errs[m][l], err.Error())
					continue
				}
				var total time.Duration
				if b.steps[m][l] == nil {
					b.steps[m][l] = map[string][]time.Duration{}
				}
				for _, s := range res.Steps {
					total += s.D
					b.steps[m][l][s.Name] = append(b.steps[m][l][s.Name], s.D)
				}
				b.samples[m][l] = append(b.samples[m][l], total)
				b.cpu[m][l] = append(b.cpu[m][l], res.CPU)
			}
		}
	}
}

func (b *bench) active() []*liveWorker {
	var ws []*liveWorker
	for _, w := range b.workers {
		if w.cmd != nil {
			ws = append(ws, w)
		}
	}
	return ws
}

func (b *bench) stop(w *liveWorker) {
	if w.cmd == nil {
		return
	}
	w.in.Close()
	_ = w.cmd.Wait()
	w.cmd = nil
}

// cleanup stops the workers, deletes any container left in the private
// state roots, removes the state roots, leftover bt-ov-bench- cgroups and
// the work dir.
func (b *bench) cleanup() {
	for _, w := range b.workers {
		b.stop(w)
		ents, _ := os.ReadDir(w.state)
		for _, e := range ents {
			if e.IsDir() {
				argv := append(append([]string(nil), w.spec.argv...), "--root", w.state, "delete", "--force", e.Name())
				_ = exec.Command(argv[0], argv[1:]...).Run()
			}
		}
		os.RemoveAll(w.state)
	}
	os.Remove(b.root)
	cgs, _ := filepath.Glob("/sys/fs/cgroup/*/" + idPrefix + "*")
	more, _ := filepath.Glob("/sys/fs/cgroup/*/*/" + idPrefix + "*")
	for _, cg := range append(more, cgs...) {
		os.Remove(cg) // rmdir: only empty cgroups go
	}
	os.RemoveAll(b.workdir)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", msf(d)) }

var modeTitle = map[string]string{
	"run": "run: `<rt> run <id>` (stdio on /dev/null), then `<rt> delete <id>`",
	"seq": "seq: `<rt> create --pid-file`, `<rt> start`, wait for exit (pidfd), `<rt> delete`",
}

var modeSteps = map[string][]string{"run": {"run", "delete"}, "seq": {"create", "start", "wait", "delete"}}

func (b *bench) report(out io.Writer) {
	var uts syscall.Utsname
	_ = syscall.Uname(&uts)
	kernel := utsString(uts.Release[:])
	var labels []string
	for _, w := range b.workers {
		labels = append(labels, w.spec.label)
	}
	fmt.Fprintf(out, "runtime benchmark %s  kernel %s  %d CPUs  N=%d (+%d warm-up) round-robin: %s\n",
		b.started.UTC().Format(time.RFC3339), kernel, runtime.NumCPU(), b.n, b.warmup, strings.Join(labels, ", "))
	fmt.Fprintln(out, "bundle: /bin/busybox rootfs, config = `berth runtime spec` (as `runc spec`) with args [\"true\"], no terminal; a private --root per runtime")
	for _, w := range b.workers {
		fmt.Fprintf(out, "  %-8s %s", w.spec.label, strings.Join(w.spec.argv, " "))
		if w.spec.umountUnified {
			fmt.Fprint(out, "   (/sys/fs/cgroup/unified unmounted in its private mount namespace)")
		}
		fmt.Fprintln(out)
	}
	for _, d := range b.dropped {
		fmt.Fprintf(out, "  not measured, failed in warm-up: %s\n", d)
	}
	for _, m := range b.modes {
		fmt.Fprintf(out, "\nmode %s\n", modeTitle[m])
		fmt.Fprintf(out, "%-8s %9s %9s %9s %9s %9s %6s", "runtime", "median", "p90", "min", "max", "mean", "errors")
		for _, s := range modeSteps[m] {
			fmt.Fprintf(out, " %10s", s+"~")
		}
		fmt.Fprintf(out, " %10s\n", "cpu~")
		for _, l := range labels {
			sm := summarize(b.samples[m][l])
			fmt.Fprintf(out, "%-8s %9s %9s %9s %9s %9s %6d", l, ms(sm.Median), ms(sm.P90), ms(sm.Min), ms(sm.Max), ms(sm.Mean), len(b.errs[m][l]))
			for _, s := range modeSteps[m] {
				fmt.Fprintf(out, " %10s", ms(summarize(b.steps[m][l][s]).Median))
			}
			fmt.Fprintf(out, " %10s\n", ms(summarize(b.cpu[m][l]).Median))
		}
		fmt.Fprintln(out, "(step~ = median wall time of that step alone; cpu~ = median user+system CPU time of the runtime's own processes)")
		if subj := summarize(b.samples[m][b.subject]); subj.N > 0 {
			for _, l := range labels {
				o := summarize(b.samples[m][l])
				if l == b.subject || o.N == 0 {
					continue
				}
				sc, oc := summarize(b.cpu[m][b.subject]), summarize(b.cpu[m][l])
				fmt.Fprintf(out, "ratio %s/%s: median %.2f  p90 %.2f  min %.2f  cpu %.2f\n", b.subject, l,
					float64(subj.Median)/float64(o.Median), float64(subj.P90)/float64(o.P90),
					float64(subj.Min)/float64(o.Min), float64(sc.Median)/float64(oc.Median))
			}
		}
		for _, l := range labels {
			if es := b.errs[m][l]; len(es) > 0 {
				fmt.Fprintf(out, "%s errors (%d), first: %s\n", l, len(es), es[0])
			}
		}
	}
	// The same medians in the lines scripts/benchtable reads.
	fmt.Fprintf(out, "\n%-14s %10s %10s %6s\n", "mode/runtime", "median_ms", "p90_ms", "runs")
	for _, m := range b.modes {
		for _, l := range labels {
			if sm := summarize(b.samples[m][l]); sm.N > 0 {
				fmt.Fprintf(out, "%-14s %10.2f %10.2f %6d\n", m+"/"+l, msf(sm.Median), msf(sm.P90), sm.N)
			}
		}
	}
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
