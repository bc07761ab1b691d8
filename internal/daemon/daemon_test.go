package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend/filters"
	ctr "github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/netglue"
)

func TestListMatch(t *testing.T) {
	d := &Daemon{net: &netglue.Service{}} // without networking
	c := ctr.New(strings.Repeat("a", 64), "/web")
	c.Config = &container.Config{Labels: map[string]string{"role": "web"}}
	c.HostConfig = &container.HostConfig{}
	c.Image = "sha256:" + strings.Repeat("b", 64)
	c.ImageName = "busybox"
	c.SetStopped(3, false, time.Now())
	match := func(f filters.Args, all bool, exited []int) bool {
		return d.listMatch(c, f, all, exited, time.Time{}, time.Time{}, f["ancestor"])
	}
	if match(filters.Args{}, false, nil) {
		t.Error("stopped container listed without all")
	}
	cases := []struct {
		f    filters.Args
		want bool
	}{
		{filters.Args{"name": {"we"}}, true},
		{filters.Args{"name": {"db"}}, false},
		{filters.Args{"id": {"aaa"}}, true},
		{filters.Args{"label": {"role=web"}}, true},
		{filters.Args{"label": {"role=db"}}, false},
		{filters.Args{"label": {"role"}}, true},
		{filters.Args{"status": {"exited"}}, true},
		{filters.Args{"status": {"running"}}, false},
		{filters.Args{"ancestor": {"busybox"}}, true},
		{filters.Args{"ancestor": {"bbbb"}}, true},
		{filters.Args{"ancestor": {"alpine"}}, false},
	}
	for _, tc := range cases {
		if got := match(tc.f, true, nil); got != tc.want {
			t.Errorf("filter %v = %v", tc.f, got)
		}
	}
	if !match(filters.Args{}, true, []int{3}) || match(filters.Args{}, true, []int{0}) {
		t.Error("exited filter")
	}
}
