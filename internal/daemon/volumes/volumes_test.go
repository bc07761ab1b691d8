package volumes

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	mounttypes "github.com/moby/moby/api/types/mount"
	volumetypes "github.com/moby/moby/api/types/volume"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/testutil"
	"github.com/berth/berth/internal/volume"
)

// records is a Containers over a plain list.
type records []*container.Container

func (r records) Get(ref string) (*container.Container, error) {
	for _, c := range r {
		if c.ID == ref || c.Name == "/"+ref {
			return c, nil
		}
	}
	return nil, errdefs.NotFound(errors.New("No such container: " + ref))
}
func (r records) Save(*container.Container) error { return nil }
func (r records) List() []*container.Container    { return r }

func newService(t *testing.T, cs records) (*Service, *[]events.Message) {
	t.Helper()
	dir := t.TempDir()
	db := testutil.OpenStore(t, volume.Bucket)
	var evs []events.Message
	s, err := New(Config{DB: db, Root: filepath.Join(dir, "volumes"), Containers: cs,
		Publish: func(m events.Message) { evs = append(evs, m) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, &evs
}

func TestPlanRefusesBadInput(t *testing.T) {
	s, _ := newService(t, nil)
	for name, hc := range map[string]*containertypes.HostConfig{
		"relative destination": {Binds: []string{"v:rel"}},
		"duplicate":            {Binds: []string{"/tmp:/a"}, Tmpfs: map[string]string{"/a/": ""}},
		"bad mode":             {Binds: []string{"v:/a:bogus"}},
		"bad spec":             {Binds: []string{"a:b:c:d"}},
		"bad volume name":      {Binds: []string{"-v:/a"}},
		"other driver":         {Binds: []string{"v:/a"}, VolumeDriver: "nfs"},
		"subpath escape": {Mounts: []mounttypes.Mount{{Type: mounttypes.TypeVolume, Source: "v", Target: "/a",
			VolumeOptions: &mounttypes.VolumeOptions{Subpath: "x/../../etc"}}}},
		"tmpfs with source":     {Mounts: []mounttypes.Mount{{Type: mounttypes.TypeTmpfs, Source: "x", Target: "/a"}}},
		"missing bind source":   {Mounts: []mounttypes.Mount{{Type: mounttypes.TypeBind, Source: "/nonexistent-berth", Target: "/a"}}},
		"unknown volumes-from":  {VolumesFrom: []string{"nope"}},
		"bad volumes-from mode": {VolumesFrom: []string{"nope:rx"}},
	} {
		if _, err := s.Plan(&containertypes.Config{}, hc); !errdefs.IsInvalidParameter(err) {
			t.Errorf("%s: want InvalidParameter, got %v", name, err)
		}
	}
}

func TestPlanDecidesVolumes(t *testing.T) {
	src := container.New("src", "/src")
	src.HostConfig = &containertypes.HostConfig{Binds: []string{"/tmp:/shared:ro"}}
	src.MountPoints = []container.MountPoint{volumeMountPoint("data", "/data", "", true, false)}
	s, _ := newService(t, records{src})
	cfg := &containertypes.Config{Volumes: map[string]struct{}{"/z": {}, "/covered": {}, "/b": {}}}
	hc := &containertypes.HostConfig{
		Binds: []string{"named:/n:ro,nocopy", "/tmp:/covered"},
		Mounts: []mounttypes.Mount{{Type: mounttypes.TypeVolume, Source: "mv", Target: "/m",
			VolumeOptions: &mounttypes.VolumeOptions{Subpath: "sub/dir"}}},
		VolumesFrom: []string{"src:ro"},
	}
	plan, err := s.Plan(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan {
		got = append(got, p.mp.Name+">"+p.mp.Destination)
	}
	// Named binds, --mount volumes, --volumes-from, then the anonymous
	// ones in order; the bind to /covered hides the image's VOLUME.
	if want := "named>/n mv>/m data>/data >/shared >/b >/z"; strings.Join(got, " ") != want {
		t.Fatalf("plan: %q, want %q", strings.Join(got, " "), want)
	}
	if n := plan[0].mp; n.RW || n.CopyData || n.Mode != "ro,nocopy" {
		t.Errorf("named bind: %+v", n)
	}
	if m := plan[1].mp; m.Subpath != "sub/dir" || m.CopyData {
		t.Errorf("subpath mount: %+v", m)
	}
	if f := plan[2]; !f.inherit || f.mp.RW || f.mp.Mode != "ro" {
		t.Errorf("volumes-from: %+v", f)
	}
}

func TestRemoveRefusesUsedVolume(t *testing.T) {
	c := container.New("c1", "/c1")
	c.HostConfig = &containertypes.HostConfig{}
	s, evs := newService(t, records{c})
	ctx := context.Background()
	plan, err := s.Plan(&containertypes.Config{Volumes: map[string]struct{}{"/anon": {}}}, &containertypes.HostConfig{Binds: []string{"used:/u"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Attach(c, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VolumeCreate(ctx, volumetypes.CreateRequest{Name: "free"}); err != nil {
		t.Fatal(err)
	}
	if err := s.VolumeRemove(ctx, "used", false); !errdefs.IsConflict(err) || !strings.Contains(err.Error(), "c1") {
		t.Fatalf("remove of a used volume: %v", err)
	}
	if err := s.VolumeRemove(ctx, "gone", true); err != nil {
		t.Fatalf("forced remove of a missing volume: %v", err)
	}
	rep, err := s.VolumePrune(ctx, filters.Args{"all": {"true"}})
	if err != nil || strings.Join(rep.VolumesDeleted, " ") != "free" {
		t.Fatalf("prune: %+v, %v", rep, err)
	}
	list, err := s.VolumeList(ctx, filters.Args{"dangling": {"false"}})
	if err != nil || len(list.Volumes) != 2 {
		t.Fatalf("used volumes: %+v, %v", list, err)
	}
	var acts []string
	for _, e := range *evs {
		acts = append(acts, string(e.Action))
	}
	if strings.Join(acts, " ") != "create create create destroy prune" {
		t.Errorf("events: %q", acts)
	}
}
