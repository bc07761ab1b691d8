package container

import (
	"github.com/berth/berth/internal/cli/opts"
	"github.com/spf13/pflag"
)

// containerOptions holds the flags of "create" and "run" that describe the
// container (run's own flags live in runOptions).
type containerOptions struct {
	attach       []string
	tty          bool
	stdin        bool
	name         string
	hostname     string
	domainname   string
	env          []string
	envFile      []string
	workdir      string
	user         string
	entrypoint   string
	labels       []string
	labelFile    []string
	annotations  []string
	runtime      string
	network      string
	networkAlias []string
	ip           string
	ip6          string
	macAddress   string
	init         bool
	restart      string
	stopSignal   string
	stopTimeout  int
	autoRemove   bool

	memory            opts.MemBytes
	memorySwap        opts.MemSwapBytes
	memoryReservation opts.MemBytes
	memorySwappiness  int64
	oomKillDisable    bool
	oomScoreAdj       int
	cpus              opts.NanoCPUs
	cpuShares         int64
	cpuPeriod         int64
	cpuQuota          int64
	cpusetCpus        string
	cpusetMems        string
	pidsLimit         int64
	shmSize           opts.MemBytes
	blkioWeight       uint16
	ulimits           []string
	cgroupParent      string

	readOnly    bool
	privileged  bool
	capAdd      []string
	capDrop     []string
	securityOpt []string
	sysctls     []string
	devices     []string
	deviceRules []string
	groupAdd    []string

	volumes      []string
	mounts       []string
	tmpfs        []string
	volumesFrom  []string
	volumeDriver string

	publish    []string
	publishAll bool
	expose     []string
	dns        []string
	dnsSearch  []string
	dnsOption  []string
	addHost    []string
	links      []string

	ipc      string
	pid      string
	uts      string
	userns   string
	cgroupns string

	logDriver string
	logOpts   []string
	cidFile   string
	platform  string
	pull      string

	healthCmd           string
	healthInterval      string
	healthTimeout       string
	healthStartPeriod   string
	healthStartInterval string
	healthRetries       int
	noHealthcheck       bool

	// quietPull hides pull progress (run -q).
	quietPull bool

	flags *pflag.FlagSet
}

func addContainerFlags(f *pflag.FlagSet, o *containerOptions) {
	o.flags = f
	f.SetInterspersed(false)
	f.Bool("help", false, "Print usage")
	f.StringSliceVarP(&o.attach, "attach", "a", nil, "Attach to STDIN, STDOUT or STDERR")
	f.BoolVarP(&o.tty, "tty", "t", false, "Allocate a pseudo-TTY")
	f.BoolVarP(&o.stdin, "interactive", "i", false, "Keep STDIN open even if not attached")
	f.StringVar(&o.name, "name", "", "Assign a name to the container")
	f.StringVarP(&o.hostname, "hostname", "h", "", "Container host name")
	f.StringVar(&o.domainname, "domainname", "", "Container NIS domain name")
	f.VarP(opts.NewList(&o.env), "env", "e", "Set environment variables")
	f.Var(opts.NewList(&o.envFile), "env-file", "Read in a file of environment variables")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	f.StringVarP(&o.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	f.StringVar(&o.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	f.VarP(opts.NewList(&o.labels), "label", "l", "Set meta data on a container")
	f.Var(opts.NewList(&o.labelFile), "label-file", "Read in a line delimited file of labels")
	f.Var(opts.NewList(&o.annotations), "annotation", "Add an annotation to the container (passed through to the OCI runtime)")
	f.StringVar(&o.runtime, "runtime", "", "Runtime to use for this container")
	f.StringVar(&o.network, "network", "", "Add a container to a network")
	f.StringVar(&o.network, "net", "", "Add a container to a network")
	f.MarkHidden("net")
	f.Var(opts.NewList(&o.networkAlias), "network-alias", "Add network-scoped alias for the container")
	f.StringVar(&o.ip, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	f.StringVar(&o.ip6, "ip6", "", "IPv6 address (e.g., 2001:db8::33)")
	f.StringVar(&o.macAddress, "mac-address", "", "Container MAC address (e.g., 92:d0:c6:0a:29:33)")
	f.BoolVar(&o.init, "init", false, "Run an init inside the container that forwards signals and reaps processes")
	f.StringVar(&o.restart, "restart", "", "Restart policy to apply when a container exits")
	f.StringVar(&o.stopSignal, "stop-signal", "", "Signal to stop the container")
	f.IntVar(&o.stopTimeout, "stop-timeout", 0, "Timeout (in seconds) to stop a container")
	f.BoolVar(&o.autoRemove, "rm", false, "Automatically remove the container and its associated anonymous volumes when it exits")

	f.VarP(&o.memory, "memory", "m", "Memory limit")
	f.Var(&o.memorySwap, "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	f.Var(&o.memoryReservation, "memory-reservation", "Memory soft limit")
	f.Int64Var(&o.memorySwappiness, "memory-swappiness", -1, "Tune container memory swappiness (0 to 100)")
	f.BoolVar(&o.oomKillDisable, "oom-kill-disable", false, "Disable OOM Killer")
	f.IntVar(&o.oomScoreAdj, "oom-score-adj", 0, "Tune host's OOM preferences (-1000 to 1000)")
	f.Var(&o.cpus, "cpus", "Number of CPUs")
	f.Int64VarP(&o.cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	f.Int64Var(&o.cpuPeriod, "cpu-period", 0, "Limit CPU CFS (Completely Fair Scheduler) period")
	f.Int64Var(&o.cpuQuota, "cpu-quota", 0, "Limit CPU CFS (Completely Fair Scheduler) quota")
	f.StringVar(&o.cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	f.StringVar(&o.cpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	f.Int64Var(&o.pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	f.Var(&o.shmSize, "shm-size", "Size of /dev/shm")
	f.Uint16Var(&o.blkioWeight, "blkio-weight", 0, "Block IO (relative weight), between 10 and 1000, or 0 to disable")
	f.Var(opts.NewList(&o.ulimits), "ulimit", "Ulimit options")
	f.StringVar(&o.cgroupParent, "cgroup-parent", "", "Optional parent cgroup for the container")

	f.BoolVar(&o.readOnly, "read-only", false, "Mount the container's root filesystem as read only")
	f.BoolVar(&o.privileged, "privileged", false, "Give extended privileges to this container")
	f.Var(opts.NewList(&o.capAdd), "cap-add", "Add Linux capabilities")
	f.Var(opts.NewList(&o.capDrop), "cap-drop", "Drop Linux capabilities")
	f.Var(opts.NewList(&o.securityOpt), "security-opt", "Security Options")
	f.Var(opts.NewList(&o.sysctls), "sysctl", "Sysctl options")
	f.Var(opts.NewList(&o.devices), "device", "Add a host device to the container")
	f.Var(opts.NewList(&o.deviceRules), "device-cgroup-rule", "Add a rule to the cgroup allowed devices list")
	f.Var(opts.NewList(&o.groupAdd), "group-add", "Add additional groups to join")

	f.VarP(opts.NewList(&o.volumes), "volume", "v", "Bind mount a volume")
	f.Var(opts.NewList(&o.mounts), "mount", "Attach a filesystem mount to the container")
	f.Var(opts.NewList(&o.tmpfs), "tmpfs", "Mount a tmpfs directory")
	f.Var(opts.NewList(&o.volumesFrom), "volumes-from", "Mount volumes from the specified container(s)")
	f.StringVar(&o.volumeDriver, "volume-driver", "", "Optional volume driver for the container")

	f.VarP(opts.NewList(&o.publish), "publish", "p", "Publish a container's port(s) to the host")
	f.BoolVarP(&o.publishAll, "publish-all", "P", false, "Publish all exposed ports to random ports")
	f.Var(opts.NewList(&o.expose), "expose", "Expose a port or a range of ports")
	f.Var(opts.NewList(&o.dns), "dns", "Set custom DNS servers")
	f.Var(opts.NewList(&o.dnsSearch), "dns-search", "Set custom DNS search domains")
	f.Var(opts.NewList(&o.dnsOption), "dns-option", "Set DNS options")
	f.Var(opts.NewList(&o.addHost), "add-host", "Add a custom host-to-IP mapping (host:ip)")
	f.Var(opts.NewList(&o.links), "link", "Add link to another container")

	f.StringVar(&o.ipc, "ipc", "", "IPC mode to use")
	f.StringVar(&o.pid, "pid", "", "PID namespace to use")
	f.StringVar(&o.uts, "uts", "", "UTS namespace to use")
	f.StringVar(&o.userns, "userns", "", "User namespace to use")
	f.StringVar(&o.cgroupns, "cgroupns", "", "Cgroup namespace to use (host|private)")

	f.StringVar(&o.logDriver, "log-driver", "", "Logging driver for the container")
	f.Var(opts.NewList(&o.logOpts), "log-opt", "Log driver options")
	f.StringVar(&o.cidFile, "cidfile", "", "Write the container ID to the file")
	f.StringVar(&o.platform, "platform", "", "Set platform if server is multi-platform capable")
	f.StringVar(&o.pull, "pull", "missing", `Pull image before running ("always", "missing", "never")`)

	f.StringVar(&o.healthCmd, "health-cmd", "", "Command to run to check health")
	f.StringVar(&o.healthInterval, "health-interval", "", "Time between running the check (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthTimeout, "health-timeout", "", "Maximum time to allow one check to run (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthStartPeriod, "health-start-period", "", "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthStartInterval, "health-start-interval", "", "Time between running the check during the start period (ms|s|m|h) (default 0s)")
	f.IntVar(&o.healthRetries, "health-retries", 0, "Consecutive failures needed to report unhealthy")
	f.BoolVar(&o.noHealthcheck, "no-healthcheck", false, "Disable any container-specified HEALTHCHECK")
}
