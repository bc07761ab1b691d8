package oci

import (
	"testing"

	"github.com/moby/moby/api/types/container"
)

// The daemon's defaults fill what a container does not choose, and only
// that; log options come only with the same driver and none of its own.
func TestContainerDefaultsApply(t *testing.T) {
	d := ContainerDefaults{Init: true, DefaultShmSize: 1 << 20, LogOpts: map[string]string{"max-size": "1m"},
		DefaultUlimits: []*container.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}, {Name: "nproc", Soft: 5, Hard: 5}}}
	hc := &container.HostConfig{Resources: container.Resources{Ulimits: []*container.Ulimit{{Name: "nofile", Soft: 1, Hard: 2}}}}
	d.Apply(hc, "json-file")
	if hc.LogConfig.Type != "json-file" || hc.LogConfig.Config["max-size"] != "1m" || hc.Init == nil || !*hc.Init || hc.ShmSize != 1<<20 {
		t.Fatalf("defaults not applied: %+v", hc)
	}
	if len(hc.Ulimits) != 2 || hc.Ulimits[0].Soft != 1 || hc.Ulimits[1].Name != "nproc" {
		t.Fatalf("ulimits %+v", hc.Ulimits)
	}
	off := false
	hc = &container.HostConfig{Init: &off, ShmSize: 5, LogConfig: container.LogConfig{Type: "local"}}
	d.Apply(hc, "json-file")
	if *hc.Init || hc.ShmSize != 5 || hc.LogConfig.Type != "local" || hc.LogConfig.Config != nil {
		t.Fatalf("a container's own choices were overridden: %+v", hc)
	}
}
