package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A CRI container's volumes: the image's VOLUME gets a fresh volume filled
// from the image unless a mount covers it, and is removed with the
// container; an image volume (Mount.image) shows an image, or a directory
// of it, read-only, reported with its image ID in the container's status,
// and leaves nothing once the container is removed; a writable image
// volume and a missing subpath are refused. The Docker API's image mounts
// are the same.
func TestCRIImageVolumes(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "ctx", "Dockerfile"), "FROM busybox\nRUN mkdir -p /data /etc/app && echo seeded > /data/seed && echo conf > /etc/app/conf\nVOLUME /data\n")
	d.mustBuild("-q", "-t", "crivol", filepath.Join(dir, "ctx"))
	id, code := d.docker("", "image", "inspect", "-f", "{{.Id}}", "crivol")
	if code != 0 {
		t.Fatalf("image inspect: %s", id)
	}
	id = strings.TrimSpace(id)
	mustWrite(t, filepath.Join(dir, "pod.json"), `{"metadata":{"name":"vol","namespace":"default","uid":"uid-vol","attempt":0}}`)
	pod := d.mustCrictl("runp", filepath.Join(dir, "pod.json"))
	create := func(name, mounts string) (string, string, int) {
		f := filepath.Join(dir, name+".json")
		mustWrite(t, f, `{"metadata":{"name":"`+name+`"},"image":{"image":"crivol"},"command":["sleep","1000"],"mounts":[`+mounts+`]}`)
		out, errOut, code := d.crictl("create", pod, f, filepath.Join(dir, "pod.json"))
		return strings.TrimSpace(out), errOut, code
	}
	volumes := func() []string {
		out, code := d.docker("", "volume", "ls", "-q")
		if code != 0 {
			t.Fatalf("docker volume ls: %s", out)
		}
		return strings.Fields(out)
	}

	ctr, errOut, code := create("a", `{"container_path":"/mnt/img","image":{"image":"crivol"},"readonly":true},
		{"container_path":"/mnt/conf","image":{"image":"crivol"},"image_sub_path":"etc/app","readonly":true}`)
	if code != 0 {
		t.Fatalf("crictl create: %d %s", code, errOut)
	}
	d.mustCrictl("start", ctr)
	out := d.mustCrictl("exec", "-s", ctr, "sh", "-c", `cat /data/seed; echo new > /data/new && cat /data/new; cat /mnt/img/etc/app/conf /mnt/conf/conf; touch /mnt/img/x 2>/dev/null && echo rw || echo ro; /mnt/img/bin/busybox echo exec`)
	if want := "seeded\nnew\nconf\nconf\nro\nexec"; out != want {
		t.Fatalf("crictl exec: got\n%s\nwant\n%s", out, want)
	}
	if v := volumes(); len(v) != 1 {
		t.Fatalf("volumes with one container: %q", v)
	}
	var st struct {
		Status struct {
			Mounts []struct {
				ContainerPath string `json:"containerPath"`
				Image         *struct {
					Image    string `json:"image"`
					ImageRef string `json:"imageRef"`
				} `json:"image"`
			} `json:"mounts"`
		} `json:"status"`
	}
	raw := d.mustCrictl("inspect", ctr)
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		t.Fatalf("crictl inspect: %v\n%s", err, raw)
	}
	if m := st.Status.Mounts; len(m) != 2 || m[0].ContainerPath != "/mnt/img" || m[0].Image == nil || m[0].Image.ImageRef != id {
		t.Fatalf("crictl inspect: mounts want /mnt/img of %s:\n%s", id, raw)
	}

	// A bind over the image's VOLUME path: no volume is made for it.
	bound := filepath.Join(dir, "bound")
	mustWrite(t, filepath.Join(bound, "mine"), "mine\n")
	ctr2, errOut, code := create("b", `{"container_path":"/data","host_path":"`+bound+`"}`)
	if code != 0 {
		t.Fatalf("crictl create with a bind on /data: %d %s", code, errOut)
	}
	d.mustCrictl("start", ctr2)
	if out := d.mustCrictl("exec", "-s", ctr2, "ls", "/data"); out != "mine" {
		t.Fatalf("/data under a bind: %q", out)
	}
	if v := volumes(); len(v) != 1 {
		t.Fatalf("volumes after a container whose bind covers the VOLUME: %q", v)
	}

	for _, bad := range []struct{ mounts, want string }{
		{`{"container_path":"/mnt/img","image":{"image":"crivol"}}`, "must be read-only"},
		{`{"container_path":"/mnt/img","image":{"image":"crivol"},"image_sub_path":"nope","readonly":true}`, `nope\" is not a directory`},
	} {
		if out, errOut, code := create("bad", bad.mounts); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Fatalf("crictl create with %s: %d %s%s", bad.mounts, code, out, errOut)
		}
	}

	d.mustCrictl("rm", "-f", ctr)
	if v := volumes(); len(v) != 0 {
		t.Fatalf("volumes after the container is removed: %q", v)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), ctr) {
		t.Fatalf("mounts of a removed container are left:\n%s", mounts)
	}
	// Removing the pod removes its containers' volumes too.
	if _, errOut, code := create("c", ""); code != 0 {
		t.Fatalf("crictl create: %d %s", code, errOut)
	}
	if v := volumes(); len(v) != 1 {
		t.Fatalf("volumes with a third container: %q", v)
	}
	d.mustCrictl("rmp", "-f", pod)
	if v := volumes(); len(v) != 0 {
		t.Fatalf("volumes after the pod is removed: %q", v)
	}
	// The same image mount through the Docker API (docker 28's --mount
	// type=image).
	out, code = d.docker("", "run", "--rm", "--mount", "type=image,source=crivol,target=/mnt/img,image-subpath=etc/app", "busybox",
		"sh", "-c", "cat /mnt/img/conf; touch /mnt/img/x 2>/dev/null && echo rw || echo ro")
	if code != 0 || out != "conf\nro\n" {
		t.Fatalf("docker run --mount type=image: %d %q", code, out)
	}
	// An image that a container mounts is in use, as under dockerd.
	holder := d.mustDocker("create", "--mount", "type=image,source=crivol,target=/mnt/img", "busybox", "true")
	if out, code := d.docker("", "rmi", "crivol"); code == 0 || !strings.Contains(out, "conflict") {
		t.Fatalf("docker rmi of an image a container mounts: %d %s", code, out)
	}
	d.mustDocker("rm", holder)
	// Nothing holds the image's layers any more.
	if out, code := d.docker("", "rmi", "crivol"); code != 0 {
		t.Fatalf("docker rmi after the pod is removed: %s", out)
	}
}
