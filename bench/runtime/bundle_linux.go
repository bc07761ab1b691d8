package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/berth/berth/internal/runtime/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// makeBundle writes an OCI bundle at dir: a rootfs holding the static busybox
// at bb with the applets the benchmark needs, and the config.json of
// benchSpec.
func makeBundle(dir, bb string) error {
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return fmt.Errorf("create bundle dir %s: %w", d, err)
		}
	}
	if err := copyFile(bb, filepath.Join(rootfs, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	for _, a := range []string{"true", "sh"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", a)); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("link applet %s: %w", a, err)
		}
	}
	b, err := json.MarshalIndent(benchSpec(), "", "\t")
	if err != nil {
		return fmt.Errorf("encode config.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		return fmt.Errorf("write config.json: %w", err)
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Close()
}

// benchSpec is the runtime's default configuration (`berth runtime spec`,
// the same as `runc spec`) with terminal off, args ["true"] and the
// inheritable and ambient sets equal to the others (`runc spec` leaves
// them empty). ociVersion is 1.0.2 so that older runtimes accept it.
func benchSpec() *specs.Spec {
	s := spec.Default()
	s.Version = "1.0.2"
	s.Process.Terminal = false
	s.Process.Args = []string{"true"}
	c := s.Process.Capabilities
	c.Inheritable = append([]string{}, c.Bounding...)
	c.Ambient = append([]string{}, c.Bounding...)
	return s
}
