package runtime_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestOnlyPreservedFdsReachContainer: fds 3, 4 and 5 are open in the
// runtime; with --preserve-fds 1 only fd 3 may reach the container
// process, which is inspected from the host.
func TestOnlyPreservedFdsReachContainer(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "exec sleep 100", nil)
	var files []*os.File
	for _, p := range []string{filepath.Join(b, "config.json"), "/etc/hostname", "/etc/passwd"} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	r.cleanup("bt-rt-fds")
	cmd := exec.Command(r.bin, "runtime", "--root", r.root, "run", "-d", "--preserve-fds", "1", "--bundle", b, "bt-rt-fds")
	cmd.ExtraFiles = files
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v", err)
	}
	st := r.state("bt-rt-fds")
	dir := fmt.Sprintf("/proc/%d/fd", st.Pid)
	// start returns once the init is released; wait for its execve.
	deadline := time.Now().Add(5 * time.Second)
	for {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", st.Pid))
		if strings.TrimSpace(string(comm)) == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container process never became sleep: %q", comm)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != "0 1 2 3" {
		t.Fatalf("container process fds: want 0 1 2 3, got %v", got)
	}
	if l, _ := os.Readlink(dir + "/3"); l != filepath.Join(b, "config.json") {
		t.Fatalf("fd 3 should be the preserved file, is %q", l)
	}
}

// TestRuntimeBinaryNotWritableFromContainer: while the container is
// created, its pid 1 is berth's init; root inside the container (with
// CAP_DAC_OVERRIDE and CAP_SYS_PTRACE) must not be able to write the
// runtime binary through /proc/1/exe (CVE-2019-5736).
func TestRuntimeBinaryNotWritableFromContainer(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", func(s *specs.Spec) {
		c := s.Process.Capabilities
		for _, cp := range []string{"CAP_DAC_OVERRIDE", "CAP_SYS_PTRACE", "CAP_FOWNER"} {
			c.Bounding = append(c.Bounding, cp)
			c.Effective = append(c.Effective, cp)
			c.Permitted = append(c.Permitted, cp)
		}
	})
	sum := func() [32]byte {
		data, err := os.ReadFile(r.bin)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(data)
	}
	before := sum()
	r.cleanup("bt-rt-exe")
	r.must("create", "--bundle", b, "bt-rt-exe")
	out, errs, _ := r.run("exec", "bt-rt-exe", "sh", "-c",
		"echo x > /proc/1/exe; echo trunc=$?; echo x >> /proc/1/exe; echo append=$?; echo x | dd of=/proc/1/exe conv=notrunc 2>/dev/null; echo dd=$?")
	for _, want := range []string{"trunc=1", "append=1", "dd=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("write through /proc/1/exe: want %s, got %q (%s)", want, out, errs)
		}
	}
	if sum() != before {
		t.Fatal("the runtime binary was modified from inside the container")
	}
}

// TestCwdCannotEscapeThroughLeakedFd: a cwd of /proc/self/fd/N must never
// lead to a host directory (CVE-2024-21626).
func TestCwdCannotEscapeThroughLeakedFd(t *testing.T) {
	r := newRT(t)
	for n := 3; n <= 9; n++ {
		b := bundle(t, "ls -a; pwd", func(s *specs.Spec) { s.Process.Cwd = fmt.Sprintf("/proc/self/fd/%d", n) })
		for _, d := range []string{b, r.root, filepath.Dir(b)} {
			if err := os.WriteFile(filepath.Join(d, "HOST-MARKER"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, _, code := r.run("run", "--bundle", b, fmt.Sprintf("bt-rt-cwd%d", n))
		if code == 0 && (strings.Contains(out, "HOST-MARKER") || strings.Contains(out, "config.json") || strings.Contains(out, "state.json")) {
			t.Fatalf("cwd /proc/self/fd/%d reached a host directory: %q", n, out)
		}
	}
}

// TestSymlinkMountDestinationStaysInRootfs: a mount destination that is an
// absolute symlink to a host path inside the rootfs lands inside the
// rootfs, never on the host path.
func TestSymlinkMountDestinationStaysInRootfs(t *testing.T) {
	r := newRT(t)
	hostDir := t.TempDir()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "payload"), []byte("payload"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := bundle(t, "cat "+hostDir+"/payload; ls /escape/", func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/evil", Type: "bind", Source: src, Options: []string{"bind", "ro"}},
			specs.Mount{Destination: "/up/escape", Type: "tmpfs", Source: "tmpfs"},
		)
	})
	rootfs := filepath.Join(b, "rootfs")
	if err := os.Symlink(hostDir, filepath.Join(rootfs, "evil")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../..", filepath.Join(rootfs, "up")); err != nil {
		t.Fatal(err)
	}
	out, errs, code := r.run("run", "--bundle", b, "bt-rt-symlink")
	if code != 0 || strings.TrimSpace(strings.Split(out, "\n")[0]) != "payload" {
		t.Fatalf("want the bind mount at %s inside the rootfs, got exit %d %q %s", hostDir, code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(rootfs, hostDir)); err != nil {
		t.Fatalf("mount point not created inside the rootfs: %v", err)
	}
	if ents, _ := os.ReadDir(hostDir); len(ents) != 0 {
		t.Fatalf("host directory %s was touched: %v", hostDir, ents)
	}
	if _, err := os.Stat("/escape"); err == nil {
		t.Fatal("a mount point was created at the host's /escape")
	}
}

// TestCwdThroughPreservedHostDirFails: even a host directory handed in on
// purpose (--preserve-fds) cannot become the container's cwd.
func TestCwdThroughPreservedHostDirFails(t *testing.T) {
	r := newRT(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "HOST-MARKER"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir, err := os.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	b := bundle(t, "ls", func(s *specs.Spec) { s.Process.Cwd = "/proc/self/fd/3" })
	outF, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd := exec.Command(r.bin, "runtime", "--root", r.root, "run", "--preserve-fds", "1", "--bundle", b, "bt-rt-cwdfd")
	cmd.ExtraFiles = []*os.File{dir}
	cmd.Stdout, cmd.Stderr = outF, &errb
	err = cmd.Run()
	out, _ := os.ReadFile(outF.Name())
	if err == nil || strings.Contains(string(out), "HOST-MARKER") {
		t.Fatalf("cwd through a preserved host dir fd must be refused: err %v, out %q", err, out)
	}
	if !strings.Contains(errb.String(), "outside the container root") {
		t.Fatalf("want the cwd refusal, got %q", errb.String())
	}
}
