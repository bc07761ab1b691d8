package ocicli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/berth/berth/internal/runtime"
	"github.com/berth/berth/internal/runtime/spec"
	"github.com/berth/berth/internal/runtime/state"
	"github.com/berth/berth/internal/signame"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func cmdCreate(g *globals, args []string) (int, error) {
	fs := newFlagSet("create")
	createOpts := createFlags(fs)
	opts, err := createOpts(g.root, args)
	if err != nil {
		return 1, err
	}
	if _, _, err := runtime.Create(opts); err != nil {
		return 1, err
	}
	return 0, nil
}

// createFlags declares the flags create and run share; the function it
// returns parses args (the container id and every flag declared on fs
// by then) and reads the shared ones into the options of a create.
func createFlags(fs *flagSet) func(root string, args []string) (runtime.CreateOpts, error) {
	bundle := fs.String("bundle", ".")
	fs.alias("b", "bundle")
	console := fs.String("console-socket", "")
	pidFile := fs.String("pid-file", "")
	preserve := fs.Int("preserve-fds")
	noPivot := fs.Bool("no-pivot")
	noKeyring := fs.Bool("no-new-keyring")
	return func(root string, args []string) (runtime.CreateOpts, error) {
		id, err := fs.parseID(args)
		if err != nil {
			return runtime.CreateOpts{}, err
		}
		n, err := preserve()
		return runtime.CreateOpts{Root: root, ID: id, Bundle: *bundle, ConsoleSocket: *console, PidFile: *pidFile, PreserveFds: n, NoPivot: *noPivot, NoNewKeyring: *noKeyring}, err
	}
}

func cmdStart(g *globals, args []string) (int, error) {
	fs := newFlagSet("start")
	id, err := fs.parseID(args)
	if err != nil {
		return 1, err
	}
	return 0, runtime.Start(g.root, id)
}

// stateJSON is what `state` and `list --format json` print, as runc does.
type stateJSON struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

func toJSON(st *state.State) stateJSON {
	return stateJSON{State: st.OCI(), Rootfs: st.Rootfs, Created: st.Created, Owner: st.Owner}
}

func cmdState(g *globals, args []string) (int, error) {
	st, err := newFlagSet("state").loadState(g.root, args)
	if err != nil {
		return 1, err
	}
	data, _ := json.MarshalIndent(toJSON(st), "", "  ")
	fmt.Println(string(data))
	return 0, nil
}

// loadState parses args as parseID does and loads the state of the
// container they name from root.
func (f *flagSet) loadState(root string, args []string) (*state.State, error) {
	id, err := f.parseID(args)
	if err != nil {
		return nil, err
	}
	return state.Load(root, id)
}

func cmdKill(g *globals, args []string) (int, error) {
	fs := newFlagSet("kill")
	all := fs.Bool("all")
	fs.alias("a", "all")
	if err := fs.parse(args); err != nil {
		return 1, err
	}
	if len(fs.args) < 1 || len(fs.args) > 2 {
		return 1, errors.New("kill: usage: kill [--all] <container-id> [signal]")
	}
	sig := unix.SIGTERM
	if len(fs.args) == 2 {
		s, err := signame.Parse(fs.args[1])
		if err != nil {
			return 1, err
		}
		sig = s
	}
	return 0, runtime.Kill(g.root, fs.args[0], sig, *all)
}

func cmdDelete(g *globals, args []string) (int, error) {
	fs := newFlagSet("delete")
	force := fs.Bool("force")
	fs.alias("f", "force")
	id, err := fs.parseID(args)
	if err != nil {
		return 1, err
	}
	return 0, runtime.Delete(g.root, id, *force)
}

func cmdPause(g *globals, args []string) (int, error) {
	id, err := needID(args, "pause")
	if err != nil {
		return 1, err
	}
	return 0, runtime.Pause(g.root, id)
}

func cmdResume(g *globals, args []string) (int, error) {
	id, err := needID(args, "resume")
	if err != nil {
		return 1, err
	}
	return 0, runtime.Resume(g.root, id)
}

func cmdPs(g *globals, args []string) (int, error) {
	fs := newFlagSet("ps")
	format := fs.String("format", "table")
	fs.alias("f", "format")
	fs.stopAt = 1
	if err := fs.parse(args); err != nil {
		return 1, err
	}
	if len(fs.args) < 1 {
		return 1, errors.New("ps: container id is required")
	}
	pids, err := runtime.Pids(g.root, fs.args[0])
	if err != nil {
		return 1, err
	}
	if *format == "json" {
		data, _ := json.Marshal(pids)
		fmt.Println(string(data))
		return 0, nil
	}
	if *format != "table" {
		return 1, fmt.Errorf("invalid format %q", *format)
	}
	psArgs := fs.args[1:]
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if errors.Is(err, exec.ErrNotFound) && len(fs.args) == 1 {
		// no ps(1) on this host: a minimal table from /proc.
		fmt.Println("PID\tCMD")
		for _, p := range pids {
			comm, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/comm")
			fmt.Printf("%d\t%s\n", p, strings.TrimSpace(string(comm)))
		}
		return 0, nil
	}
	if err != nil {
		return 1, fmt.Errorf("run ps: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return 1, errors.New("ps: no PID column in ps output")
	}
	want := map[string]bool{}
	for _, p := range pids {
		want[strconv.Itoa(p)] = true
	}
	fmt.Println(lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > col && want[f[col]] {
			fmt.Println(l)
		}
	}
	return 0, nil
}

func cmdList(g *globals, args []string) (int, error) {
	fs := newFlagSet("list")
	format := fs.String("format", "table")
	fs.alias("f", "format")
	quiet := fs.Bool("quiet")
	fs.alias("q", "quiet")
	if err := fs.parse(args); err != nil {
		return 1, err
	}
	sts, err := runtime.List(g.root)
	if err != nil {
		return 1, err
	}
	if *quiet {
		for _, st := range sts {
			fmt.Println(st.ID)
		}
		return 0, nil
	}
	switch *format {
	case "json":
		out := make([]stateJSON, 0, len(sts))
		for _, st := range sts {
			out = append(out, toJSON(st))
		}
		data, _ := json.Marshal(out)
		fmt.Println(string(data))
	case "table":
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
		for _, st := range sts {
			j := toJSON(st)
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", j.ID, j.Pid, j.Status, j.Bundle, j.Created.Format(time.RFC3339Nano), j.Owner)
		}
		w.Flush()
	default:
		return 1, fmt.Errorf("invalid format %q", *format)
	}
	return 0, nil
}

func cmdSpec(g *globals, args []string) (int, error) {
	fs := newFlagSet("spec")
	bundle := fs.String("bundle", "")
	fs.alias("b", "bundle")
	rootless := fs.Bool("rootless")
	if err := fs.parse(args); err != nil {
		return 1, err
	}
	if len(fs.args) > 0 {
		return 1, fmt.Errorf("spec: unexpected arguments: %s", strings.Join(fs.args, " "))
	}
	s := spec.Default()
	if *rootless {
		spec.MakeRootless(s)
	}
	path := "config.json"
	if *bundle != "" {
		path = *bundle + "/config.json"
	}
	if _, err := os.Stat(path); err == nil {
		return 1, fmt.Errorf("file %s exists: remove it first", path)
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return 1, fmt.Errorf("encode spec: %w", err)
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		return 1, fmt.Errorf("write %s: %w", path, err)
	}
	return 0, nil
}

func cmdFeatures(g *globals, args []string) (int, error) {
	data, _ := json.MarshalIndent(runtime.Features(), "", "    ")
	fmt.Println(string(data))
	return 0, nil
}

// forwardSignals relays the signals we receive to pid until stop is
// called.
func forwardSignals(pid int) func() {
	return signame.Forward(func(sig syscall.Signal) { _ = unix.Kill(pid, sig) })
}

// exitCode waits for p and turns its status into a shell-style exit code.
func exitCode(p *os.Process) int {
	ps, err := p.Wait()
	if err != nil {
		return 255
	}
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
