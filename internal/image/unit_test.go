package image

import (
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
)

func TestChainIDs(t *testing.T) {
	a, b := digest.FromString("a"), digest.FromString("b")
	got := ChainIDs([]digest.Digest{a, b})
	if len(got) != 2 || got[0] != a || got[1] != digest.FromString(a.String()+" "+b.String()) {
		t.Fatalf("ChainIDs = %v", got)
	}
	img := &Image{}
	if img.ChainID() != "" {
		t.Fatal("empty image has a chain ID")
	}
	img.Config.RootFS.DiffIDs = []digest.Digest{a, b}
	if img.ChainID() != got[1].String() {
		t.Fatal("Image.ChainID")
	}
}

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest([]byte(`[{"Config":"blobs/sha256/abc","RepoTags":["busybox:latest"],"Layers":["blobs/sha256/l1","l2/layer.tar"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[0].Config != "blobs/sha256/abc" || len(m[0].Layers) != 2 || m[0].RepoTags[0] != "busybox:latest" {
		t.Fatalf("parsed %+v", m)
	}
	for _, bad := range []string{
		``, `{}`, `[]`, `[{"RepoTags":["x"]}]`,
		`[{"Config":"../../etc/passwd"}]`,
		`[{"Config":"/abs"}]`,
		`[{"Config":"c","Layers":["../x"]}]`,
	} {
		if _, err := ParseManifest([]byte(bad)); !errdefs.IsInvalidParameter(err) {
			t.Errorf("ParseManifest(%q) = %v", bad, err)
		}
	}
}

func mkImage(tags []string, created time.Time, labels map[string]string) *Image {
	img := &Image{RepoTags: tags, Created: created}
	img.Config = dockerspec.DockerOCIImage{}
	img.Config.Config.Labels = labels
	return img
}

func TestFilters(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	old := mkImage([]string{"docker.io/library/busybox:latest"}, t0, map[string]string{"a": "1"})
	mid := mkImage(nil, t0.Add(time.Hour), nil)
	recent := mkImage([]string{"docker.io/me/app:v1"}, t0.Add(2*time.Hour), map[string]string{"a": "2", "b": ""})
	all := []*Image{old, mid, recent}
	resolve := func(s string) (*Image, error) {
		if s == "mid" {
			return mid, nil
		}
		return nil, NotFoundError(s)
	}
	cases := []struct {
		f    Filters
		want []*Image
	}{
		{Filters{"dangling": {"true"}}, []*Image{mid}},
		{Filters{"dangling": {"false"}}, []*Image{old, recent}},
		{Filters{"reference": {"busy*"}}, []*Image{old}},
		{Filters{"reference": {"me/app:v1"}}, []*Image{recent}},
		{Filters{"label": {"a"}}, []*Image{old, recent}},
		{Filters{"label": {"a=2"}}, []*Image{recent}},
		{Filters{"label": {"a", "b"}}, []*Image{recent}},
		{Filters{"before": {"mid"}}, []*Image{old}},
		{Filters{"since": {"mid"}}, []*Image{recent}},
	}
	for _, c := range cases {
		if err := c.f.Validate(); err != nil {
			t.Fatal(err)
		}
		m, err := NewMatcher(c.f, resolve)
		if err != nil {
			t.Fatal(err)
		}
		var got []*Image
		for _, img := range all {
			if m.Match(img) {
				got = append(got, img)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%v: got %d images, want %d", c.f, len(got), len(c.want))
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%v: image %d differs", c.f, i)
			}
		}
	}
	// A reference filter keeps only the matching tags of an image.
	multi := mkImage([]string{"docker.io/library/a:1", "docker.io/library/a:2", "docker.io/library/b:1"}, t0, nil)
	m, err := NewMatcher(Filters{"reference": {"a:2", "b"}}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Tags(multi); len(got) != 2 || got[0] != "docker.io/library/a:2" || got[1] != "docker.io/library/b:1" {
		t.Errorf("Tags with reference filter = %v", got)
	}
	if got := (&Matcher{}).Tags(multi); len(got) != 3 {
		t.Errorf("Tags without filter = %v", got)
	}
	if err := (Filters{"bogus": {"x"}}).Validate(); !errdefs.IsInvalidParameter(err) {
		t.Errorf("unknown filter: %v", err)
	}
	if err := (Filters{"dangling": {"maybe"}}).Validate(); !errdefs.IsInvalidParameter(err) {
		t.Errorf("bad dangling: %v", err)
	}
	if _, err := NewMatcher(Filters{"before": {"nope"}}, resolve); !errdefs.IsNotFound(err) {
		t.Errorf("before unknown image: %v", err)
	}
}

func TestParseUntil(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	if got, _ := ParseUntil("24h", now); !got.Equal(now.Add(-24 * time.Hour)) {
		t.Errorf("duration: %v", got)
	}
	if got, _ := ParseUntil("1700000000", now); got.Unix() != 1700000000 {
		t.Errorf("unix: %v", got)
	}
	if got, _ := ParseUntil("2023-05-01", now); got.Year() != 2023 {
		t.Errorf("date: %v", got)
	}
	if _, err := ParseUntil("soon", now); err == nil {
		t.Error("bad until accepted")
	}
}
