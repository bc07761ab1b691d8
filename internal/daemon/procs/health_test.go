package procs

import (
	"slices"
	"testing"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	ctr "github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
)

func TestRecordProbe(t *testing.T) {
	reg, _ := ctr.NewRegistry(testutil.OpenStore(t, ctr.Bucket))
	var events []string
	s := New(Config{Emit: func(action string, _ *ctr.Container, _ map[string]string) { events = append(events, action) },
		Unhealthy: func(*ctr.Container) { events = append(events, "unhealthy action") }}, registryOnly{reg})
	c := ctr.New(ctr.GenerateID(), "/h")
	c.Config = &containertypes.Config{Healthcheck: &containertypes.HealthConfig{Test: []string{"CMD", "true"}, Retries: 2, StartPeriod: time.Hour}}
	c.HostConfig = &containertypes.HostConfig{}
	c.SetRunning(1, "")
	c.State.Health = &containertypes.Health{Status: containertypes.Starting}
	cfg := healthConfig(c)
	if cfg.Interval != defaultProbeInterval || cfg.Timeout != defaultProbeTimeout {
		t.Fatalf("defaults %+v", cfg)
	}
	fail := &containertypes.HealthcheckResult{ExitCode: 1}
	ok := &containertypes.HealthcheckResult{ExitCode: 0}
	started := time.Now()
	s.recordProbe(c, cfg, fail, started)
	if c.State.Health.Status != containertypes.Starting || c.State.Health.FailingStreak != 0 {
		t.Fatalf("failure in start period counted: %+v", c.State.Health)
	}
	s.recordProbe(c, cfg, ok, started)
	if c.State.Health.Status != containertypes.Healthy {
		t.Fatalf("after success: %+v", c.State.Health)
	}
	s.recordProbe(c, cfg, fail, started)
	if c.State.Health.Status != containertypes.Healthy || c.State.Health.FailingStreak != 1 {
		t.Fatalf("one failure: %+v", c.State.Health)
	}
	s.recordProbe(c, cfg, fail, started)
	if c.State.Health.Status != containertypes.Unhealthy || c.State.Health.FailingStreak != 2 {
		t.Fatalf("retries reached: %+v", c.State.Health)
	}
	for i := 0; i < 10; i++ {
		s.recordProbe(c, cfg, fail, started)
	}
	if len(c.State.Health.Log) != maxHealthLog {
		t.Fatalf("log length %d", len(c.State.Health.Log))
	}
	if want := []string{"health_status: healthy", "health_status: unhealthy", "unhealthy action"}; !slices.Equal(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}
	c.Config.Healthcheck.Test = []string{"NONE"}
	if healthConfig(c) != nil {
		t.Fatal("NONE healthcheck enabled")
	}
}

// registryOnly is a container registry without running containers: no
// shims, no rootfs, no links.
type registryOnly struct{ *ctr.Registry }

func (registryOnly) Shim(*ctr.Container) (*shimclient.Shim, bool) { return nil, false }

func (registryOnly) User(string, string, []string) (oci.User, error) { return oci.User{}, nil }

func (registryOnly) LinkEnv(*ctr.Container) []string { return nil }
