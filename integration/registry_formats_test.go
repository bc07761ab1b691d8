package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// putManifest puts raw under repo:tag on the registry and returns its digest.
func putManifest(t *testing.T, host, repo, tag, mediaType string, raw []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/v2/%s/manifests/%s", host, repo, tag), bytes.NewReader(raw))
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put manifest %s:%s: %s", repo, tag, resp.Status)
	}
}

// manifestDesc returns the media type, digest and size of repo:tag.
func manifestDesc(t *testing.T, host, repo, tag string) (string, string, int64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, fmt.Sprintf("http://%s/v2/%s/manifests/%s", host, repo, tag), nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("head manifest %s:%s: %s", repo, tag, resp.Status)
	}
	return resp.Header.Get("Content-Type"), resp.Header.Get("Docker-Content-Digest"), resp.ContentLength
}

// TestRegistryPullFormats pulls OCI manifests with zstd and uncompressed
// layers (converted by skopeo), a manifest list choosing the platform
// (default and --platform), and every tag of a repository (pull -a).
func TestRegistryPullFormats(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, berthBinary)
	src := reg.host + "/bt/fmt:gzip"
	d.makeLayeredImage(src, 256)
	d.mustCLI("push", src)
	d.mustCLI("tag", "busybox", reg.host+"/bt/fmt:plain-busybox")
	d.mustCLI("push", reg.host+"/bt/fmt:plain-busybox")
	for _, c := range []struct{ tag, args string }{
		{"zstd", "--dest-compress-format zstd"},
		{"raw", "--dest-decompress"},
	} {
		args := append([]string{"copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "oci"}, strings.Fields(c.args)...)
		args = append(args, "docker://"+src, "docker://"+reg.host+"/bt/fmt:"+c.tag)
		if out, err := runCmd("skopeo", args...); err != nil {
			t.Fatalf("skopeo %v: %v\n%s", args, err, out)
		}
	}
	// An index: amd64 → the gzip image, arm64 → plain busybox.
	mt1, d1, s1 := manifestDesc(t, reg.host, "bt/fmt", "gzip")
	mt2, d2, s2 := manifestDesc(t, reg.host, "bt/fmt", "plain-busybox")
	idx, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []map[string]any{
			{"mediaType": mt2, "digest": d2, "size": s2, "platform": map[string]string{"os": "linux", "architecture": "arm64"}},
			{"mediaType": mt1, "digest": d1, "size": s1, "platform": map[string]string{"os": "linux", "architecture": "amd64"}},
		},
	})
	putManifest(t, reg.host, "bt/fmt", "multi", "application/vnd.oci.image.index.v1+json", idx)
	d.removeAllImages()
	for _, tag := range []string{"zstd", "raw", "multi"} {
		ref := reg.host + "/bt/fmt:" + tag
		d.mustCLI("pull", ref)
		if out := d.mustCLI("run", "--rm", ref, "cat", "/l0"); out != "layer0\n" {
			t.Fatalf("run %s: %q", ref, out)
		}
		d.removeAllImages()
	}
	ref := reg.host + "/bt/fmt:multi"
	d.mustCLI("pull", "--platform", "linux/arm64", ref)
	if out, code := d.docker("", "run", "--rm", ref, "cat", "/l0"); code == 0 {
		t.Fatalf("--platform linux/arm64 pulled the amd64 image: %q", out)
	}
	if out, code := d.docker("", "pull", "--platform", "linux/s390x", ref); code == 0 || !strings.Contains(out, "no matching manifest for linux/s390x") {
		t.Fatalf("pull of a missing platform: exit %d\n%s", code, out)
	}
	// By digest: the image has the RepoDigest and no tag.
	d.removeAllImages()
	byDigest := reg.host + "/bt/fmt@" + d1
	d.mustCLI("pull", byDigest)
	if out := d.mustCLI("image", "inspect", "-f", "{{.RepoDigests}} {{len .RepoTags}}", byDigest); out != "["+byDigest+"] 0\n" {
		t.Fatalf("image pulled by digest: %q", out)
	}
	d.removeAllImages()
	out := d.mustCLI("pull", "-a", reg.host+"/bt/fmt")
	imgs := d.mustCLI("images", "--format", "{{.Tag}}", reg.host+"/bt/fmt")
	for _, tag := range []string{"gzip", "zstd", "raw", "multi", "plain-busybox"} {
		if !strings.Contains(imgs, tag+"\n") {
			t.Fatalf("pull -a lacks %s:\n%s\nimages:\n%s", tag, out, imgs)
		}
	}
}

// TestRegistryMirror pulls a docker.io name through registry-mirrors.
func TestRegistryMirror(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, berthBinary)
	d.reconfigure(map[string]any{"registry-mirrors": []string{"http://" + reg.host}})
	d.importBusybox()
	d.mustCLI("tag", "busybox", reg.host+"/library/bt-mirrored:1")
	d.mustCLI("push", reg.host+"/library/bt-mirrored:1")
	d.removeAllImages()
	out := d.mustCLI("pull", "bt-mirrored:1")
	if !strings.Contains(out, "Status: Downloaded newer image for bt-mirrored:1") {
		t.Fatalf("pull through the mirror:\n%s", out)
	}
	if out := d.mustCLI("run", "--rm", "bt-mirrored:1", "echo", "mirrored"); out != "mirrored\n" {
		t.Fatalf("run: %q", out)
	}
}
