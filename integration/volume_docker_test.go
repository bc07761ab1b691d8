package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestVolumeMountsLikeDocker creates the same container with every kind of
// mount on berth and on Debian's dockerd, side by side, and compares what
// inspect shows of its mounts and volumes and how bad input is refused.
func TestVolumeMountsLikeDocker(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dockerHost := startDockerWithBusybox(t)
	host := t.TempDir()
	run := func(dockerd bool, args ...string) (string, int) {
		if !dockerd {
			return d.docker("", args...)
		}
		cmd := exec.Command("docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+dockerHost)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	anon := regexp.MustCompile(`[0-9a-f]{64}`)
	mounts := func(dockerd bool) string {
		if out, code := run(dockerd, "create", "--name", "bt-mounts",
			"-v", "bt-named:/n", "-v", host+":/h:ro", "-v", "/anon",
			"--mount", "type=volume,src=bt-m,dst=/m,readonly", "--mount", "type=bind,src="+host+",dst=/b",
			"--mount", "type=tmpfs,dst=/t", "busybox", "true"); code != 0 {
			t.Fatalf("create (dockerd=%v): %d %q", dockerd, code, out)
		}
		out, _ := run(dockerd, "inspect", "-f", "{{json .Mounts}}", "bt-mounts")
		var ms []map[string]any
		if err := json.Unmarshal([]byte(out), &ms); err != nil {
			t.Fatalf("inspect (dockerd=%v): %v %q", dockerd, err, out)
		}
		var rows []string
		for _, m := range ms {
			src, _ := m["Source"].(string)
			if m["Type"] == "volume" {
				src = filepath.Base(filepath.Dir(src)) // <root>/volumes/<name>/_data
			}
			b, _ := json.Marshal([]any{m["Type"], m["Name"], src, m["Destination"], m["Driver"], m["Mode"], m["RW"], m["Propagation"]})
			rows = append(rows, anon.ReplaceAllString(string(b), "ANON"))
		}
		sort.Strings(rows)
		vol, _ := run(dockerd, "volume", "inspect", "-f", "{{.Driver}} {{.Scope}} {{json .Labels}} {{json .Options}}", "bt-named")
		return strings.Join(rows, "\n") + "\n" + vol
	}
	if b, k := mounts(true), mounts(false); b != k {
		t.Errorf("inspect differs:\ndockerd:\n%s\nberth:\n%s", b, k)
	}
	for _, args := range [][]string{
		{"run", "--rm", "-v", "bt/x:/d", "busybox", "true"},
		{"run", "--rm", "-v", "bt-rel/dir:/d", "busybox", "true"},
		{"volume", "create", "bt/x"},
		{"volume", "rm", "bt-named"},
		{"volume", "rm", "bt-nosuch"},
		{"volume", "create", "-o", "bogus=1", "bt-bad"},
		{"volume", "create", "-d", "bt-nodriver", "bt-bad"},
		{"run", "--rm", "-v", "bt-v:/a", "-v", "bt-w:/a", "busybox", "true"},
		{"run", "--rm", "--mount", "type=bind,src=/bt-nosuch-dir,dst=/a", "busybox", "true"},
		{"run", "--rm", "-v", "bt-named:/n", "busybox", "true"},
		{"volume", "ls", "--filter", "name=bt-named", "--format", "{{.Driver}} {{.Name}}"},
	} {
		dOut, dCode := run(true, args...)
		bOut, bCode := run(false, args...)
		if dCode != bCode || firstLineID(dOut) != firstLineID(bOut) {
			t.Errorf("%v:\ndockerd: %d %q\nberth:   %d %q", args, dCode, dOut, bCode, bOut)
		}
	}
}

func firstLineID(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return regexp.MustCompile(`[0-9a-f]{64}`).ReplaceAllString(l, "ID")
}
