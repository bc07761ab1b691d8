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
	healthOnFailure     string

	// quietPull hides pull progress (run -q).
	quietPull bool

	flags *pflag.FlagSet
}

func addContainerFlags(f *pflag.FlagSet, o *containerOptions) {
	o.flags = f
	f.SetInterspersed(false)
	f.Bool("help", false, "Show this help")
	f.StringSliceVarP(&o.attach, "attach", "a", nil, "Streams to connect: stdin, stdout, stderr")
	f.BoolVarP(&o.tty, "tty", "t", false, "Give the process a terminal")
	f.BoolVarP(&o.stdin, "interactive", "i", false, "Keep the standard input open, attached or not")
	f.StringVar(&o.name, "name", "", "Name for the container")
	f.StringVarP(&o.hostname, "hostname", "h", "", "Host name inside the container")
	f.StringVar(&o.domainname, "domainname", "", "NIS domain name inside the container")
	f.VarP(opts.NewList(&o.env), "env", "e", "Environment variable, KEY=VALUE, or KEY to copy it from this shell")
	f.Var(opts.NewList(&o.envFile), "env-file", "File of KEY=VALUE lines to add to the environment")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Directory to start in, inside the container")
	f.StringVarP(&o.user, "user", "u", "", "User to run as: name|uid[:group|gid]")
	f.StringVar(&o.entrypoint, "entrypoint", "", "Replace the image's ENTRYPOINT")
	f.VarP(opts.NewList(&o.labels), "label", "l", "Label the container, KEY=VALUE")
	f.Var(opts.NewList(&o.labelFile), "label-file", "File of labels, one KEY=VALUE a line")
	f.Var(opts.NewList(&o.annotations), "annotation", "Annotation handed to the OCI runtime, KEY=VALUE")
	f.StringVar(&o.runtime, "runtime", "", "OCI runtime that runs the container")
	f.StringVar(&o.network, "network", "", "Network to connect the container to")
	f.StringVar(&o.network, "net", "", "Network to connect the container to")
	f.MarkHidden("net")
	f.Var(opts.NewList(&o.networkAlias), "network-alias", "Extra name of the container on this network")
	f.StringVar(&o.ip, "ip", "", "Fixed IPv4 address on the network (e.g. 172.30.100.104)")
	f.StringVar(&o.ip6, "ip6", "", "Fixed IPv6 address on the network (e.g. 2001:db8::33)")
	f.StringVar(&o.macAddress, "mac-address", "", "Fixed MAC address (e.g. 92:d0:c6:0a:29:33)")
	f.BoolVar(&o.init, "init", false, "Run a small init as PID 1 that passes signals on and reaps zombies")
	f.StringVar(&o.restart, "restart", "", "When to restart the container after it exits: no, always, unless-stopped, on-failure[:N]")
	f.StringVar(&o.stopSignal, "stop-signal", "", "Signal that stops the container")
	f.IntVar(&o.stopTimeout, "stop-timeout", 0, "Seconds to wait after the stop signal before killing")
	f.BoolVar(&o.autoRemove, "rm", false, "Remove the container, and its anonymous volumes, once it exits")

	f.VarP(&o.memory, "memory", "m", "Most memory the container may use (e.g. 512m, 2g)")
	f.Var(&o.memorySwap, "memory-swap", "Memory plus swap the container may use; -1: no swap limit")
	f.Var(&o.memoryReservation, "memory-reservation", "Soft memory limit, below --memory (e.g. 256m)")
	f.Int64Var(&o.memorySwappiness, "memory-swappiness", -1, "How readily the kernel swaps its memory out, 0 to 100 (-1: leave it alone)")
	f.BoolVar(&o.oomKillDisable, "oom-kill-disable", false, "Keep the kernel OOM killer away from the container")
	f.IntVar(&o.oomScoreAdj, "oom-score-adj", 0, "OOM score adjustment, -1000 to 1000 (higher dies first)")
	f.Var(&o.cpus, "cpus", "CPUs the container may use, fractions allowed (e.g. 1.5)")
	f.Int64VarP(&o.cpuShares, "cpu-shares", "c", 0, "CPU weight relative to other containers")
	f.Int64Var(&o.cpuPeriod, "cpu-period", 0, "CFS scheduler period, in microseconds")
	f.Int64Var(&o.cpuQuota, "cpu-quota", 0, "CPU time per CFS period, in microseconds")
	f.StringVar(&o.cpusetCpus, "cpuset-cpus", "", "CPUs the container may run on (e.g. 0-3 or 0,1)")
	f.StringVar(&o.cpusetMems, "cpuset-mems", "", "Memory nodes the container may use (e.g. 0-3 or 0,1)")
	f.Int64Var(&o.pidsLimit, "pids-limit", 0, "Most processes the container may have (-1: no limit)")
	f.Var(&o.shmSize, "shm-size", "Size of the /dev/shm tmpfs (e.g. 64m)")
	f.Uint16Var(&o.blkioWeight, "blkio-weight", 0, "Block I/O weight, 10 to 1000 (0: unset)")
	f.Var(opts.NewList(&o.ulimits), "ulimit", "Resource limit, name=soft[:hard] (e.g. nofile=1024:2048)")
	f.StringVar(&o.cgroupParent, "cgroup-parent", "", "Cgroup to create the container under")

	f.BoolVar(&o.readOnly, "read-only", false, "Make the root filesystem read-only")
	f.BoolVar(&o.privileged, "privileged", false, "Give the container every capability and host device, unconfined")
	f.Var(opts.NewList(&o.capAdd), "cap-add", "Capability to add (e.g. NET_ADMIN, or ALL)")
	f.Var(opts.NewList(&o.capDrop), "cap-drop", "Capability to take away (e.g. CHOWN, or ALL)")
	f.Var(opts.NewList(&o.securityOpt), "security-opt", "Security setting (e.g. seccomp=unconfined, no-new-privileges)")
	f.Var(opts.NewList(&o.sysctls), "sysctl", "Kernel parameter inside the container, name=value")
	f.Var(opts.NewList(&o.devices), "device", "Host device to pass in, host[:container[:rwm]]")
	f.Var(opts.NewList(&o.deviceRules), "device-cgroup-rule", `Device cgroup rule (e.g. "c 1:3 rwm")`)
	f.Var(opts.NewList(&o.groupAdd), "group-add", "Extra group the process joins")

	f.VarP(opts.NewList(&o.volumes), "volume", "v", "Volume or bind mount, [source:]target[:options]")
	f.Var(opts.NewList(&o.mounts), "mount", "Mount, written as type=...,source=...,target=...")
	f.Var(opts.NewList(&o.tmpfs), "tmpfs", "tmpfs to mount, path[:options]")
	f.Var(opts.NewList(&o.volumesFrom), "volumes-from", "Take the volumes of this container, container[:ro|rw]")
	f.StringVar(&o.volumeDriver, "volume-driver", "", "Volume driver for the volumes the container names")

	f.VarP(opts.NewList(&o.publish), "publish", "p", "Forward a host port to the container, [ip:][hostPort:]containerPort[/proto]")
	f.BoolVarP(&o.publishAll, "publish-all", "P", false, "Forward every exposed port from a free host port")
	f.Var(opts.NewList(&o.expose), "expose", "Port or range of ports the container listens on")
	f.Var(opts.NewList(&o.dns), "dns", "DNS server for the container")
	f.Var(opts.NewList(&o.dnsSearch), "dns-search", "DNS search domain for the container")
	f.Var(opts.NewList(&o.dnsOption), "dns-option", "resolv.conf option for the container")
	f.Var(opts.NewList(&o.addHost), "add-host", "Extra /etc/hosts line, host:ip")
	f.Var(opts.NewList(&o.links), "link", "Link to another container, name[:alias]")

	f.StringVar(&o.ipc, "ipc", "", "IPC namespace: none, private, shareable, host or container:NAME")
	f.StringVar(&o.pid, "pid", "", "PID namespace: host or container:NAME (default its own)")
	f.StringVar(&o.uts, "uts", "", "UTS namespace: host (default its own)")
	f.StringVar(&o.userns, "userns", "", `User namespace mode ("host")`)
	f.StringVar(&o.cgroupns, "cgroupns", "", "Cgroup namespace: host or private")

	f.StringVar(&o.logDriver, "log-driver", "", "Log driver for the container's output")
	f.Var(opts.NewList(&o.logOpts), "log-opt", "Log driver setting, key=value")
	f.StringVar(&o.cidFile, "cidfile", "", "Write the container's ID to this file")
	f.StringVar(&o.platform, "platform", "", "Platform to use, os[/arch[/variant]]")
	f.StringVar(&o.pull, "pull", "missing", `When to pull the image: always, missing or never`)

	f.StringVar(&o.healthCmd, "health-cmd", "", "Command that checks health")
	f.StringVar(&o.healthInterval, "health-interval", "", "Time between two checks (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthTimeout, "health-timeout", "", "Longest a check may run (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthStartPeriod, "health-start-period", "", "Time to start up during which failed checks do not count (ms|s|m|h) (default 0s)")
	f.StringVar(&o.healthStartInterval, "health-start-interval", "", "Time between two checks during the start period (ms|s|m|h) (default 0s)")
	f.IntVar(&o.healthRetries, "health-retries", 0, "Failures in a row that make the container unhealthy")
	f.StringVar(&o.healthOnFailure, "health-on-failure", "", "Action when the container turns unhealthy: none, kill, restart or stop (berth's extension, as Podman's)")
	f.BoolVar(&o.noHealthcheck, "no-healthcheck", false, "Turn off the image's HEALTHCHECK")
}
