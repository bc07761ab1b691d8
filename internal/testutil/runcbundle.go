package testutil

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RuncBundle makes an OCI bundle in dir: a busybox root filesystem
// (BusyboxRootfs) and the config.json `runc spec` writes, with a writable
// root and no terminal, then adjusted by mutate (nil: none). A missing
// runc is a test failure.
func RuncBundle(t testing.TB, dir string, mutate func(*specs.Spec)) {
	t.Helper()
	BusyboxRootfs(t, filepath.Join(dir, "rootfs"))
	cmd := exec.Command("runc", "spec")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	EditSpec(t, dir, func(spec *specs.Spec) {
		spec.Process.Terminal = false
		spec.Root.Readonly = false
		if mutate != nil {
			mutate(spec)
		}
	})
}

// EditSpec reads the config.json of the bundle in dir, lets mutate adjust
// it and writes it back.
func EditSpec(t testing.TB, dir string, mutate func(*specs.Spec)) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	mutate(&spec)
	WriteSpec(t, dir, &spec)
}

// WriteSpec writes spec as the config.json of the bundle in dir.
func WriteSpec(t testing.TB, dir string, spec *specs.Spec) {
	t.Helper()
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
