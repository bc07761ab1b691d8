package shimclient

// One monitor process (`berth shim monitor`) serves every container of a
// monitor dir (Config.MonitorDir, the daemon's exec root's monitor/):
//
//	monitor.sock  adoption requests: the client writes an AdoptRequest line,
//	              the monitor creates the container and answers a Ready line;
//	              and a subscription to every container's exit (ExitEvent lines)
//	monitor.lock  flock'ed by the running monitor (one per dir)
//	monitor.log   the monitor's own stderr (panics, internal errors)
//
// Files inside a container's StateDir. Delete removes it.
//
//	config.json  the Config the container was adopted with (written by Start)
//	shim.sock    the container's API, served by the monitor (HTTP over this unix socket, see below)
//	init.pid     the container init's host pid (written by the runtime)
//	exit.json    the container init's Exit, written atomically when it exits
//
// Protocol (HTTP/1.1 over shim.sock; errors are a JSON WireError with a 4xx/5xx status):
//
//	GET  /state                          → State
//	POST /start                          → State
//	POST /kill?sig=N[&all=1][&exec=ID]   → 204
//	POST /resize?h=H&w=W[&exec=ID]       → 204
//	POST /pause, /resume                 → 204
//	POST /exec  (body ExecConfig)        → ExecState
//	GET  /wait[?exec=ID]                 → Exit, once the process has exited and its output is drained
//	POST /attach?stdin=1&stdout=1&stderr=1[&exec=ID]
//	     → "HTTP/1.1 101 Switching Protocols", then a raw stream: the client
//	       writes stdin (half-close = stdin EOF), the monitor writes frames of
//	       8-byte header {stream(1=stdout,2=stderr),0,0,0,size uint32 BE} +
//	       data, and closes when the process's output ends.
//	POST /delete[?force=1]               → 204; the monitor then removes the state dir and forgets the container
const (
	MonitorSocket = "monitor.sock"
	MonitorLock   = "monitor.lock"
	MonitorLog    = "monitor.log"
)

// Readiness lines of a starting monitor (fd 3): it listens, or another
// monitor holds the dir; anything else is an error.
const (
	MonitorReady   = "ok"
	MonitorRunning = "running"
)

// AdoptRequest is the line a client sends on monitor.sock: the state dir
// of a container to adopt (answered by Ready), Stats (answered by
// MonitorStats), or Events: a subscription to every container's exit,
// answered by "{}" once registered, then one ExitEvent line per exit, for
// as long as the connection lasts.
type AdoptRequest struct {
	StateDir string `json:"state_dir,omitempty"`
	Stats    bool   `json:"stats,omitempty"`
	Events   bool   `json:"events,omitempty"`
}

// ExitEvent tells that the init of the container of StateDir exited (its
// output drained, exit.json written).
type ExitEvent struct {
	StateDir string `json:"state_dir"`
	Exit     Exit   `json:"exit"`
}

// MonitorStats is what a monitor reports about itself.
type MonitorStats struct {
	Pid        int `json:"pid"`
	Containers int `json:"containers"` // containers it serves
	Goroutines int `json:"goroutines"`
}

const (
	ConfigFile = "config.json"
	SocketFile = "shim.sock"
	PidFile    = "init.pid"
	ExitFile   = "exit.json"
)

// Container states reported in State.Status.
const (
	StatusCreated = "created"
	StatusRunning = "running"
	StatusPaused  = "paused"
	StatusStopped = "stopped"
)

// State is what the shim reports about the container init.
type State struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Exit   *Exit  `json:"exit,omitempty"`
	// ShimPid is the pid of the monitor process that serves the container.
	ShimPid int `json:"shim_pid,omitempty"`
}

// ExecState is what the shim reports about an exec'd process.
type ExecState struct {
	ExecID string `json:"exec_id"`
	Pid    int    `json:"pid"`
}

// WireError is the body of an error reply. Kind is one of "not found",
// "conflict", "invalid parameter", "unavailable" or "" (internal).
type WireError struct {
	Message string `json:"message"`
	Kind    string `json:"kind,omitempty"`
}

// Ready is the monitor's answer to an AdoptRequest once the container is
// created (Pid) or creating it failed (Error, the runtime's own message).
type Ready struct {
	Pid   int    `json:"pid,omitempty"`
	Error string `json:"error,omitempty"`
}

// Stream ids in attach frames.
const (
	StreamStdout = 1
	StreamStderr = 2
)
