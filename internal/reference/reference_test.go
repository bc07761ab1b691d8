package reference

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

func TestParse(t *testing.T) {
	cases := map[string]string{
		"busybox":                       "docker.io/library/busybox:latest",
		"busybox:1.36":                  "docker.io/library/busybox:1.36",
		"library/busybox":               "docker.io/library/busybox:latest",
		"me/app:v1":                     "docker.io/me/app:v1",
		"localhost:5000/app":            "localhost:5000/app:latest",
		"registry.example.com/a/b/c:t":  "registry.example.com/a/b/c:t",
		"docker.io/library/alpine:3.20": "docker.io/library/alpine:3.20",
	}
	for in, want := range cases {
		got, err := Normalize(in)
		if err != nil {
			t.Fatalf("Normalize(%q): %v", in, err)
		}
		if got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, in := range []string{"", "UPPER", "a b", "busybox:", ":tag", "busybox@sha256:xyz", "a//b", "-x"} {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", in)
			continue
		}
		if !errdefs.IsInvalidParameter(err) {
			t.Errorf("Parse(%q): %v is not InvalidParameter", in, err)
		}
	}
}

func TestParseRepoTag(t *testing.T) {
	n, err := ParseRepoTag("busybox", "x")
	if err != nil || n.String() != "docker.io/library/busybox:x" {
		t.Fatalf("got %v, %v", n, err)
	}
	n, err = ParseRepoTag("busybox:y", "")
	if err != nil || n.String() != "docker.io/library/busybox:y" {
		t.Fatalf("got %v, %v", n, err)
	}
	if _, err := ParseRepoTag("busybox:y", "z"); err == nil {
		t.Fatal("tag on tagged repo accepted")
	}
	if _, err := ParseRepoTag("busybox", "bad tag"); err == nil {
		t.Fatal("bad tag accepted")
	}
}

func TestFamiliar(t *testing.T) {
	if got := Familiar("docker.io/library/busybox:latest"); got != "busybox:latest" {
		t.Errorf("got %q", got)
	}
	if got := Familiar("localhost:5000/app:1"); got != "localhost:5000/app:1" {
		t.Errorf("got %q", got)
	}
	if got := FamiliarName("docker.io/me/app:1"); got != "me/app" {
		t.Errorf("got %q", got)
	}
	if got := Tag("docker.io/me/app:1"); got != "1" {
		t.Errorf("got %q", got)
	}
}

func TestMatch(t *testing.T) {
	if !Match("busybox", "docker.io/library/busybox:latest") {
		t.Error("busybox should match")
	}
	if !Match("busy*", "docker.io/library/busybox:latest") {
		t.Error("busy* should match")
	}
	if !Match("busybox:latest", "docker.io/library/busybox:latest") {
		t.Error("busybox:latest should match")
	}
	if Match("busybox:1", "docker.io/library/busybox:latest") {
		t.Error("busybox:1 should not match")
	}
	if Match("alpine", "docker.io/library/busybox:latest") {
		t.Error("alpine should not match")
	}
}

func TestLooksLikeID(t *testing.T) {
	hex64 := strings.Repeat("0123456789abcdef", 4)
	for _, s := range []string{"abc", "sha256:abc", "0123456789ab", hex64, "sha256:" + hex64} {
		if !LooksLikeID(s) {
			t.Errorf("%q should look like an ID", s)
		}
	}
	for _, s := range []string{"busybox", "ABC", "sha256:", "", hex64 + "0", "sha256:sha256:abc", "sha512:abc", " abc"} {
		if LooksLikeID(s) {
			t.Errorf("%q should not look like an ID", s)
		}
	}
}
