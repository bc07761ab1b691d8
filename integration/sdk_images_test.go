package integration

import (
	"debug/elf"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// diskState names the blobs and snapshot dirs under d's data root.
func diskState(d *testDaemon) string {
	return "blobs=" + strings.Join(dirEntries(filepath.Join(d.root, "content", "blobs", "sha256")), ",") +
		" snapshots=" + strings.Join(dirEntries(filepath.Join(d.root, "snapshots", "snapshots")), ",")
}

// TestSDKImageParent: Parent in image inspect and the IDs of history, for
// built, committed and loaded images (images_parent.py), and through the
// CLIs' inspect and history.
func TestSDKImageParent(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		d.python(t, version, "images_parent.py")
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		base := strings.TrimSpace(d.mustDocker("image", "inspect", "-f", "{{.Id}}", "busybox"))
		if p := strings.TrimSpace(d.mustDocker("image", "inspect", "-f", "{{.Parent}}", "busybox")); p != "" {
			t.Fatalf("imported image has Parent %q", p)
		}
		d.mustDocker("run", "--name", "bt-en-par", "busybox", "touch", "/x")
		d.mustDocker("commit", "bt-en-par", "bt-en-par:1")
		if p := strings.TrimSpace(d.mustDocker("image", "inspect", "-f", "{{.Parent}}", "bt-en-par:1")); p != base {
			t.Fatalf("committed image's Parent %q, want %q", p, base)
		}
		id := strings.TrimSpace(d.mustDocker("image", "inspect", "-f", "{{.Id}}", "bt-en-par:1"))
		hist := strings.Fields(d.mustDocker("history", "-q", "--no-trunc", "bt-en-par:1"))
		if !slices.Equal(hist, []string{id, base}) {
			t.Fatalf("history -q: %q, want %q", hist, []string{id, base})
		}
	})
}

// TestSDKImageLoadBroken: a broken archive fails in the JSON stream of a
// 200 as dockerd's does (images_load_broken.py), the CLIs exit non-zero
// with the message, and nothing is left in the stores.
func TestSDKImageLoadBroken(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		before := diskState(d)
		d.python(t, version, "images_load_broken.py")
		if after := diskState(d); after != before {
			t.Fatalf("broken loads left data:\nbefore %s\nafter  %s", before, after)
		}
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		garbage := filepath.Join(t.TempDir(), "garbage.tar")
		mustWrite(t, garbage, strings.Repeat("not a tar archive\n", 200))
		out, code := d.docker("", "load", "-i", garbage)
		if code == 0 || !strings.Contains(out, "invalid archive") {
			t.Fatalf("load of garbage: exit %d %q", code, out)
		}
		if imgs := strings.TrimSpace(d.mustDocker("images", "-aq")); imgs != "" {
			t.Fatalf("images after a failed load: %q", imgs)
		}
	})
}

// TestSDKBuildQuiet: build -q prints the image ID alone, through the SDK
// (images_build_quiet.py) and both CLIs.
func TestSDKBuildQuiet(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		d.python(t, version, "images_build_quiet.py")
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		dir := t.TempDir()
		mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN echo quiet > /q\n")
		out, code := d.build(2*time.Minute, "-q", "-t", "bt-en-q:1", dir)
		// The docker CLI warns on stderr that the classic builder is deprecated.
		out = strings.TrimPrefix(out, dockerLegacyBuilderWarning)
		if code != 0 || !regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`).MatchString(out) {
			t.Fatalf("build -q: exit %d %q", code, out)
		}
		if id := strings.TrimSpace(d.mustDocker("image", "inspect", "-f", "{{.Id}}", "bt-en-q:1")); id+"\n" != out {
			t.Fatalf("build -q printed %q, the image is %s", out, id)
		}
	})
}

// dockerLegacyBuilderWarning is what the docker CLI prints to stderr
// before a build with DOCKER_BUILDKIT=0.
const dockerLegacyBuilderWarning = `DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0
            environment-variable.

`

// TestSDKRunPublishAll: -P publishes the ports the image EXPOSEs
// (images_publish_all.py), and `port` lists them.
func TestSDKRunPublishAll(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		d.python(t, version, "images_publish_all.py")
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		dir := t.TempDir()
		mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nEXPOSE 8080 9090/udp\n")
		d.mustBuild("-t", "bt-en-exp:1", dir)
		d.mustDocker("run", "-d", "-P", "--name", "bt-en-exp", "bt-en-exp:1", "sleep", "60")
		out := d.mustDocker("port", "bt-en-exp")
		if !regexp.MustCompile(`(?m)^8080/tcp -> 0\.0\.0\.0:[1-9][0-9]*$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^9090/udp -> 0\.0\.0\.0:[1-9][0-9]*$`).MatchString(out) {
			t.Fatalf("port: %q", out)
		}
		if v := strings.TrimSpace(d.mustDocker("inspect", "-f", "{{.HostConfig.PublishAllPorts}} {{len .NetworkSettings.Ports}}", "bt-en-exp")); v != "true 2" {
			t.Fatalf("inspect: %q", v)
		}
	})
}

// TestSDKImageRemoveChain: removing the last tag deletes the image and the
// parents nothing else uses, with dockerd's Untagged/Deleted list
// (images_rmi_chain.py), and their blobs and snapshots go; through the
// CLIs, as dockerd prints it.
func TestSDKImageRemoveChain(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		before := diskState(d)
		d.python(t, version, "images_rmi_chain.py")
		if after := diskState(d); after != before {
			t.Fatalf("rmi left data:\nbefore %s\nafter  %s", before, after)
		}
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		before := diskState(d)
		dir := t.TempDir()
		mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n")
		d.mustBuild("-t", "bt-en-rmi:1", dir)
		d.mustDocker("tag", "bt-en-rmi:1", "bt-en-rmi:2")
		ids := strings.Fields(d.mustDocker("history", "-q", "--no-trunc", "bt-en-rmi:1"))[:2]
		if out := d.mustDocker("rmi", "bt-en-rmi:2"); out != "Untagged: bt-en-rmi:2" {
			t.Fatalf("rmi of a second tag: %q", out)
		}
		out := d.mustDocker("rmi", "bt-en-rmi:1")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if lines[0] != "Untagged: bt-en-rmi:1" {
			t.Fatalf("rmi: %q", out)
		}
		var deleted []string
		for _, l := range lines[1:] {
			id, ok := strings.CutPrefix(l, "Deleted: ")
			if !ok {
				t.Fatalf("rmi: %q", out)
			}
			if slices.Contains(ids, id) {
				deleted = append(deleted, id)
			}
		}
		if !slices.Equal(deleted, ids) {
			t.Fatalf("rmi deleted images %q, want %q:\n%s", deleted, ids, out)
		}
		if after := diskState(d); after != before {
			t.Fatalf("rmi left data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestSDKNetworks: IPAM config, fixed addresses and aliases at create and
// connect, internal, attachable, labels, options, duplicate names,
// filters, inspect shapes and prune through the SDK (networks_api.py).
func TestSDKNetworks(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		d.python(t, version, "networks_api.py")
	})
	// network prune and a duplicate name through the CLIs.
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		d.mustDocker("network", "create", "bt-en-unused")
		d.mustDocker("network", "create", "bt-en-used")
		d.mustDocker("run", "-d", "--name", "bt-en-user", "--network", "bt-en-used", "busybox", "sleep", "60")
		out, code := d.docker("", "network", "create", "bt-en-used")
		if code != 1 || !strings.Contains(out, "network with name bt-en-used already exists") {
			t.Fatalf("duplicate network: exit %d %q", code, out)
		}
		if out := d.mustDocker("network", "prune", "-f"); out != "Deleted Networks:\nbt-en-unused" {
			t.Fatalf("network prune: %q", out)
		}
		if out := d.mustDocker("network", "ls", "--format", "{{.Name}}", "--filter", "name=bt-en-"); out != "bt-en-used" {
			t.Fatalf("networks after prune: %q", out)
		}
	})
}

// TestInitDynamicBerth: a berth built with a plain `go build` is
// dynamically linked and cannot be the init of a busybox container; its
// daemon runs --init with a static tini from PATH, and without one says at
// start that --init is unavailable and refuses run --init with that
// message.
func TestInitDynamicBerth(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "berth")
	build := exec.Command("go", "build", "-o", bin, "../cmd/berth")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	dynamic := slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
	f.Close()
	if !dynamic {
		t.Fatalf("%s is static: the test needs a dynamically linked berth", bin)
	}
	if _, err := exec.LookPath("tini-static"); err != nil {
		t.Fatalf("Debian's tini (tini-static) is required: %v", err)
	}
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()
		d.stop()
		d.bin = bin
		d.start(nil)
		out := d.mustRun("--init", "busybox", "ps", "-o", "pid,args")
		if !regexp.MustCompile(`(?m)^\s*1\s+/sbin/docker-init -- ps -o pid,args$`).MatchString(out) {
			t.Fatalf("pid 1 of run --init is not the init:\n%s", out)
		}
		d.mustDocker("create", "--name", "bt-en-init", "--init", "busybox", "true")
		// With no static init on PATH: a clear refusal, logged at start.
		d.stop()
		d.start([]string{"PATH=" + t.TempDir()})
		out, code := d.docker("", "run", "--rm", "--init", "busybox", "true")
		want := "--init is unavailable: " + bin + " is dynamically linked and no static init (docker-init or tini-static) is on PATH"
		if code != 125 || !strings.Contains(out, want) {
			t.Fatalf("run --init without an init: exit %d %q", code, out)
		}
		// A container created while there was an init does not start.
		if out, code := d.docker("", "start", "bt-en-init"); code == 0 || !strings.Contains(out, want) {
			t.Fatalf("start of an --init container without an init: exit %d %q", code, out)
		}
		if log, _ := os.ReadFile(d.logPath); !strings.Contains(string(log), want) {
			t.Fatalf("the daemon did not say at start that --init is unavailable")
		}
		d.mustRun("busybox", "true") // the rest works
		d.stop()
		d.bin = ""
		d.start(nil)
	})
}

// TestSDKImageSearch: search asks the registry the term names through its
// v1 search API (images_search.py serves one), and the CLIs print its
// results as the docker CLI does; an unreachable registry fails.
func TestSDKImageSearch(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		d.python(t, version, "images_search.py")
	})
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/search" || r.URL.Query().Get("q") != "busybox" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"num_results":2,"query":"busybox","results":[`+
				`{"name":"tools/busybox","description":"a busybox with a description longer than forty-five characters","star_count":3,"is_official":false},`+
				`{"name":"busybox","description":"official","star_count":40,"is_official":true}]}`)
		}))
		defer srv.Close()
		host := strings.TrimPrefix(srv.URL, "http://")
		var lines []string
		for _, l := range strings.Split(d.mustDocker("search", host+"/busybox"), "\n") {
			lines = append(lines, strings.TrimRight(l, " "))
		}
		want := []string{
			"NAME            DESCRIPTION                                     STARS     OFFICIAL",
			"tools/busybox   a busybox with a description longer than for…   3",
			"busybox         official                                        40        [OK]",
		}
		if !slices.Equal(lines, want) {
			t.Fatalf("search:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		if out := d.mustDocker("search", "--filter", "is-official=true", "--format", "{{.Name}} {{.StarCount}}", host+"/busybox"); out != "busybox 40" {
			t.Fatalf("search --filter --format: %q", out)
		}
		srv.Close()
		out, code := d.docker("", "search", host+"/busybox")
		if code != 1 || !strings.Contains(out, "connection refused") {
			t.Fatalf("search of a registry that is gone: exit %d %q", code, out)
		}
	})
}

// TestSDKImageRegistry: push, registry data (GET /distribution/{name}/json)
// and pull through the SDK against Debian's docker-registry.
func TestSDKImageRegistry(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		reg := startRegistry(t, registryOpts{})
		d.python(t, version, "images_registry.py", reg.host)
	})
}
