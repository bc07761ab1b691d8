package container_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	containercmd "github.com/berth/berth/internal/cli/command/container"
)

func TestExtractTarRejectsEscapes(t *testing.T) {
	data := clitest.TarOf(t, map[string]string{"../../evil": "x"})
	dir := t.TempDir()
	if _, err := containercmd.ExtractTar(bytes.NewReader(data), dir, "x", "", false, false); err != nil {
		// Cleaned to "evil" inside dir is fine too; what matters is nothing outside.
		t.Logf("extract: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dir)), "evil")); err == nil {
		t.Fatal("archive wrote outside the destination")
	}
}

func TestExtractTarRefusesSymlinkParents(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	outside := t.TempDir()
	tw.WriteHeader(&tar.Header{Name: "x/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "x/link", Typeflag: tar.TypeSymlink, Linkname: outside})
	tw.WriteHeader(&tar.Header{Name: "x/link/evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	tw.Write([]byte("!"))
	tw.Close()
	dir := t.TempDir()
	if _, err := containercmd.ExtractTar(&b, dir, "x", "", false, false); err == nil {
		t.Fatal("extraction through a symlink succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil")); err == nil {
		t.Fatal("file written outside the destination")
	}
}
