package image

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/image"
)

func TestImagesDigests(t *testing.T) {
	rows := imageRows(image.Summary{
		RepoTags:    []string{"reg.local/app:v1"},
		RepoDigests: []string{"reg.local/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"},
	}, true)
	if len(rows) != 1 || rows[0].Repository() != "reg.local/app" || rows[0].Tag() != "v1" || !strings.HasPrefix(rows[0].Digest(), "sha256:1111") {
		t.Fatalf("rows %+v", rows[0])
	}
	rows = imageRows(image.Summary{RepoDigests: []string{"app@sha256:1111111111111111111111111111111111111111111111111111111111111111"}}, false)
	if len(rows) != 1 || rows[0].Repository() != "app" || rows[0].Tag() != "<none>" {
		t.Fatalf("digest-only rows %+v", rows)
	}
}
