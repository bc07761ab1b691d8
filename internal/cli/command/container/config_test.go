package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/spf13/pflag"
)

// parseRunFlags parses run's flags from args and translates them.
func parseRunFlags(t *testing.T, args ...string) (*containerRequest, error) {
	t.Helper()
	o := &containerOptions{}
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	addContainerFlags(fs, o)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return parseContainer(o, fs.Args(), false, func(k string) (string, bool) {
		if k == "FROM_HOST" {
			return "yes", true
		}
		return "", false
	})
}

func TestParseContainerFlags(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, []byte("FILE=1\n"), 0o600)
	req, err := parseRunFlags(t,
		"--name", "web", "-h", "box", "-e", "A=1", "-e", "FROM_HOST", "--env-file", envFile, "-w", "/srv", "-u", "1000:1000",
		"--entrypoint", "/bin/sh", "-l", "tier=front", "--runtime", "crun", "--network", "none", "--init",
		"--restart", "on-failure:2", "--stop-signal", "SIGINT", "--stop-timeout", "5", "-m", "64m", "--cpus", "0.5",
		"--pids-limit", "100", "--read-only", "--privileged", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL",
		"--security-opt", "no-new-privileges", "-v", "/host:/ctr:ro", "-v", "/anon", "--mount", "type=tmpfs,dst=/cache",
		"--tmpfs", "/run:size=1m", "-p", "8080:80", "-t", "-i", "--ulimit", "nofile=10:20",
		"busybox", "echo", "-n", "hi")
	if err != nil {
		t.Fatal(err)
	}
	c, h := req.Config, req.HostConfig
	if req.Name != "web" || c.Hostname != "box" || c.WorkingDir != "/srv" || c.User != "1000:1000" || c.Image != "busybox" {
		t.Fatalf("config %+v", c)
	}
	if strings.Join(c.Cmd, " ") != "echo -n hi" || strings.Join(c.Entrypoint, " ") != "/bin/sh" {
		t.Fatalf("cmd %q entrypoint %q", c.Cmd, c.Entrypoint)
	}
	if strings.Join(c.Env, ",") != "FILE=1,A=1,FROM_HOST=yes" {
		t.Fatalf("env %q", c.Env)
	}
	if c.Labels["tier"] != "front" || c.StopSignal != "SIGINT" || *c.StopTimeout != 5 || !c.Tty || !c.OpenStdin || !c.AttachStdin || !c.StdinOnce {
		t.Fatalf("config %+v", c)
	}
	if _, ok := c.Volumes["/anon"]; !ok {
		t.Fatalf("volumes %v", c.Volumes)
	}
	if _, ok := c.ExposedPorts[network.MustParsePort("80/tcp")]; !ok {
		t.Fatalf("exposed %v", c.ExposedPorts)
	}
	if h.Runtime != "crun" || h.NetworkMode != "none" || h.Init == nil || !*h.Init || h.RestartPolicy.Name != container.RestartPolicyOnFailure || h.RestartPolicy.MaximumRetryCount != 2 {
		t.Fatalf("hostconfig %+v", h)
	}
	if h.Memory != 64<<20 || h.NanoCPUs != 500_000_000 || *h.PidsLimit != 100 || !h.ReadonlyRootfs || !h.Privileged {
		t.Fatalf("resources %+v", h.Resources)
	}
	if h.CapAdd[0] != "NET_ADMIN" || h.CapDrop[0] != "ALL" || h.SecurityOpt[0] != "no-new-privileges" {
		t.Fatalf("caps %v %v %v", h.CapAdd, h.CapDrop, h.SecurityOpt)
	}
	if h.Binds[0] != "/host:/ctr:ro" || h.Mounts[0].Target != "/cache" || h.Tmpfs["/run"] != "size=1m" {
		t.Fatalf("storage %v %v %v", h.Binds, h.Mounts, h.Tmpfs)
	}
	if b := h.PortBindings[network.MustParsePort("80/tcp")]; len(b) != 1 || b[0].HostPort != "8080" {
		t.Fatalf("port bindings %v", h.PortBindings)
	}
	if h.Ulimits[0].Name != "nofile" || h.Ulimits[0].Hard != 20 {
		t.Fatalf("ulimits %v", h.Ulimits)
	}
}

func TestParseContainerDefaults(t *testing.T) {
	req, err := parseRunFlags(t, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	c, h := req.Config, req.HostConfig
	if c.Cmd != nil || c.Entrypoint != nil || c.AttachStdin || !c.AttachStdout || !c.AttachStderr || c.OpenStdin {
		t.Fatalf("defaults config %+v", c)
	}
	if h.Init != nil || h.PidsLimit != nil || c.StopTimeout != nil || h.RestartPolicy.Name != "" {
		t.Fatalf("unset pointers became set: %+v", h)
	}
	req, _ = parseRunFlags(t, "--entrypoint", "", "busybox")
	if len(req.Config.Entrypoint) != 1 || req.Config.Entrypoint[0] != "" {
		t.Fatalf("--entrypoint '' gave %q", req.Config.Entrypoint)
	}
	req, _ = parseRunFlags(t, "-a", "stdout", "busybox")
	if req.Config.AttachStderr || !req.Config.AttachStdout {
		t.Fatalf("-a stdout gave %+v", req.Config)
	}
	for _, bad := range [][]string{{"-p", "1:2:3:4", "busybox"}, {"--mount", "type=bind", "busybox"}, {"--device", "/dev/a:/dev/b:xyz", "busybox"}} {
		if _, err := parseRunFlags(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestParseDevice(t *testing.T) {
	d, err := parseDevice("/dev/fuse")
	if err != nil || d.PathInContainer != "/dev/fuse" || d.CgroupPermissions != "rwm" {
		t.Fatalf("%+v %v", d, err)
	}
	d, _ = parseDevice("/dev/sda:/dev/xvda:r")
	if d.PathInContainer != "/dev/xvda" || d.CgroupPermissions != "r" {
		t.Fatalf("%+v", d)
	}
}

func TestRunExitErrorMapping(t *testing.T) {
	for msg, want := range map[string]int{
		`exec: "x": executable file not found in $PATH`: 127,
		"open /nope: no such file or directory":         127,
		"exec /etc: permission denied":                  126,
		"read /bin: is a directory":                     126,
		"something else":                                125,
	} {
		err := runExitError(errString(msg))
		st, ok := err.(command.StatusError)
		if !ok || st.Code != want || !strings.HasPrefix(st.Status, "berth: "+msg) {
			t.Errorf("%q -> %+v, want %d", msg, err, want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestListFlagValueErrors: a bad value of --add-host, --ulimit or --mount
// is reported as docker does, naming the value and the flag.
func TestListFlagValueErrors(t *testing.T) {
	for args, want := range map[string]string{
		"--add-host nohost":    `invalid argument "nohost" for "--add-host" flag: `,
		"--ulimit nofile":      `invalid argument "nofile" for "--ulimit" flag: `,
		"--mount dst=/x,nokey": `invalid argument "dst=/x,nokey" for "--mount" flag: `,
	} {
		_, err := parseRunFlags(t, append(strings.Fields(args), "busybox")...)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q…", args, err, want)
		}
	}
}
