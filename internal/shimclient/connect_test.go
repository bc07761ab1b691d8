package shimclient_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/shimclient"
)

// A shim that is gone but recorded the exit still answers Wait.
func TestConnectDeadShim(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := json.Marshal(shimclient.Config{ID: "bt-sh-dead", Bundle: "/nonexistent", StateDir: dir, Runtime: []string{"true"}})
	os.WriteFile(filepath.Join(dir, shimclient.ConfigFile), cfg, 0o600)
	want := shimclient.Exit{Code: 137, Signal: 9, ExitedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	ex, _ := json.Marshal(want)
	os.WriteFile(filepath.Join(dir, shimclient.ExitFile), ex, 0o600)
	os.WriteFile(filepath.Join(dir, shimclient.PidFile), []byte("4242"), 0o600)

	sh, err := shimclient.Connect(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sh.Wait(context.Background())
	if err != nil || got != want {
		t.Fatalf("wait = %+v, %v; want %+v", got, err, want)
	}
	if sh.Pid() != 4242 {
		t.Fatalf("pid %d", sh.Pid())
	}
	if err := sh.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("state dir survived Delete")
	}
}

func TestConnectNothing(t *testing.T) {
	_, err := shimclient.Connect(context.Background(), t.TempDir())
	if !errdefs.IsNotFound(err) {
		t.Fatalf("connect to an empty dir: %v, want not found", err)
	}
	dir := t.TempDir()
	cfg, _ := json.Marshal(shimclient.Config{ID: "x", StateDir: dir, Runtime: []string{"true"}})
	os.WriteFile(filepath.Join(dir, shimclient.ConfigFile), cfg, 0o600)
	if _, err := shimclient.Connect(context.Background(), dir); !errdefs.IsNotFound(err) {
		t.Fatalf("connect to a dead shim without exit: %v, want not found", err)
	}
}
