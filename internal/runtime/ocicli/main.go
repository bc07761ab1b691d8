package ocicli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/berth/berth/internal/runtime"
	// the nsenter constructor must be linked into every berth binary.
	_ "github.com/berth/berth/internal/runtime/nsenter"
)

// Version is reported by `berth runtime --version`.
const Version = "0.1.0"

// DefaultRoot is where container state lives unless --root says otherwise.
const DefaultRoot = "/run/berth/runtime"

type globals struct {
	root      string
	log       string
	logFormat string
	debug     bool
}

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
func Main(args []string) int {
	if runtime.IsInit() {
		return runtime.InitMain()
	}
	if len(args) == 1 && args[0] == WarmVerb {
		return warmMain()
	}
	g := &globals{root: DefaultRoot, logFormat: "text"}
	fs := newFlagSet("runtime")
	root := fs.String("root", DefaultRoot)
	logPath := fs.String("log", "")
	logFormat := fs.String("log-format", "text")
	debug := fs.Bool("debug")
	systemd := fs.Bool("systemd-cgroup")
	_ = fs.String("criu", "")
	_ = fs.String("rootless", "auto")
	version := fs.Bool("version")
	fs.alias("v", "version")
	help := fs.Bool("help")
	fs.alias("h", "help")
	fs.stopAt = 1
	if err := fs.parse(args); err != nil {
		return g.fail(err)
	}
	g.root, g.log, g.logFormat, g.debug = *root, *logPath, *logFormat, *debug
	if g.logFormat != "text" && g.logFormat != "json" {
		g.logFormat = "text"
		return g.fail(fmt.Errorf("unknown log format %q (want text or json)", *logFormat))
	}
	if *version {
		fmt.Printf("berth runtime version %s\nspec: 1.3.0\n", Version)
		return 0
	}
	if *help || len(fs.args) == 0 {
		usage(os.Stdout)
		if len(fs.args) == 0 && !*help {
			return 1
		}
		return 0
	}
	if *systemd {
		return g.fail(errors.New("--systemd-cgroup is not supported by berth runtime: use cgroupfs paths"))
	}
	runtime.Warn = func(msg string) {
		if g.log == "" {
			fmt.Fprintln(os.Stderr, "berth runtime: warning: "+msg)
			return
		}
		g.logLine("warning", msg)
	}
	cmd, rest := fs.args[0], fs.args[1:]
	h, ok := commands[cmd]
	if !ok {
		return g.fail(fmt.Errorf("unknown command %q", cmd))
	}
	g.debugf("pid %d: %s %s", os.Getpid(), cmd, strings.Join(rest, " "))
	code, err := h(g, rest)
	if err != nil {
		return g.fail(err)
	}
	return code
}

type handler func(g *globals, args []string) (int, error)

var commands map[string]handler

func init() {
	commands = map[string]handler{
		"create": cmdCreate, "start": cmdStart, "state": cmdState, "kill": cmdKill,
		"delete": cmdDelete, "run": cmdRun, "exec": cmdExec, "ps": cmdPs,
		"pause": cmdPause, "resume": cmdResume, "list": cmdList, "spec": cmdSpec,
		"features": cmdFeatures, "update": cmdUpdate, "events": cmdEvents, "help": func(*globals, []string) (int, error) { usage(os.Stdout); return 0, nil },
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: berth runtime [global options] COMMAND [options] [args]

berth's OCI runtime (runc-compatible command line).

Commands:
  create    create a container from a bundle
  start     start a created container
  run       create and start a container, wait for it
  exec      run a process inside a container
  state     print the state of a container as JSON
  kill      send a signal to a container
  delete    delete a container
  pause     freeze every process of a container
  resume    thaw a paused container
  ps        list the processes of a container
  list      list containers
  spec      write a default config.json
  update    change the cgroup resources of a container
  events    print cgroup statistics as JSON (--stats: once)
  features  print supported features as JSON

Global options:
  --root DIR          state directory (default /run/berth/runtime)
  --log FILE          also write errors and debug output to FILE
  --log-format FMT    text or json
  --debug             debug output
  --systemd-cgroup    not supported
`)
}

// fail prints err as one line on stderr (and to --log), and returns 1.
func (g *globals) fail(err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintln(os.Stderr, "berth runtime: "+msg)
	g.logLine("error", msg)
	return 1
}

func (g *globals) debugf(format string, a ...any) {
	if !g.debug {
		return
	}
	msg := fmt.Sprintf(format, a...)
	if g.log == "" {
		fmt.Fprintln(os.Stderr, "debug: "+msg)
		return
	}
	g.logLine("debug", msg)
}

func (g *globals) logLine(level, msg string) {
	if g.log == "" {
		return
	}
	f, err := os.OpenFile(g.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_SYNC, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if g.logFormat == "json" {
		line, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		f.Write(append(line, '\n'))
		return
	}
	fmt.Fprintf(f, "time=%q level=%s msg=%q\n", now, level, msg)
}

func needID(args []string, cmd string) (string, error) {
	if len(args) < 1 || args[0] == "" {
		return "", fmt.Errorf("%s: container id is required", cmd)
	}
	if len(args) > 1 {
		return "", fmt.Errorf("%s: too many arguments: %s", cmd, strings.Join(args[1:], " "))
	}
	return args[0], nil
}
