package cri

import (
	"reflect"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/berth/berth/internal/errdefs"
)

// A CRI container config becomes a create request in the sandbox's
// namespaces, with its command, env, mounts and security context.
func TestContainerConfig(t *testing.T) {
	cc := &runtimeapi.ContainerConfig{
		Image: &runtimeapi.ImageSpec{Image: "busybox"}, Command: []string{"sh"}, Args: []string{"-c", "true"},
		Envs: []*runtimeapi.KeyValue{{Key: "A", Value: []byte("1")}},
		Mounts: []*runtimeapi.Mount{{HostPath: "/h", ContainerPath: "/c", Readonly: true},
			{HostPath: "/s", ContainerPath: "/d", Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
			{HostPath: "/b", ContainerPath: "/e", Propagation: runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL}},
		Linux: &runtimeapi.LinuxContainerConfig{SecurityContext: &runtimeapi.LinuxContainerSecurityContext{
			RunAsUser: &runtimeapi.Int64Value{Value: 1000}, RunAsGroup: &runtimeapi.Int64Value{Value: 50},
			ReadonlyRootfs: true, NoNewPrivs: true,
			Capabilities: &runtimeapi.Capability{AddCapabilities: []string{"NET_ADMIN"}, DropCapabilities: []string{"CHOWN"}},
			Seccomp:      &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault},
		}},
	}
	cfg, hc, err := containerConfig(cc, "sb")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "1000:50" || !reflect.DeepEqual([]string(cfg.Entrypoint), []string{"sh"}) || !reflect.DeepEqual([]string(cfg.Cmd), []string{"-c", "true"}) || !reflect.DeepEqual(cfg.Env, []string{"A=1"}) {
		t.Errorf("config: %+v", cfg)
	}
	if hc.NetworkMode != "container:sb" || hc.IpcMode != "container:sb" || hc.UTSMode != "container:sb" {
		t.Errorf("namespaces: %q %q %q", hc.NetworkMode, hc.IpcMode, hc.UTSMode)
	}
	if !reflect.DeepEqual(hc.Binds, []string{"/h:/c:ro", "/s:/d:rw,rslave", "/b:/e:rw,rshared"}) || !hc.ReadonlyRootfs || !reflect.DeepEqual(hc.CapAdd, []string{"NET_ADMIN"}) || !reflect.DeepEqual(hc.CapDrop, []string{"CHOWN"}) {
		t.Errorf("host config: %+v", hc)
	}
	if !reflect.DeepEqual(hc.SecurityOpt, []string{"no-new-privileges", "seccomp=builtin"}) {
		t.Errorf("security options: %q", hc.SecurityOpt)
	}

	cc.Linux.SecurityContext.RunAsUser = nil
	if _, _, err := containerConfig(cc, "sb"); !errdefs.IsInvalidParameter(err) || !strings.Contains(err.Error(), "run_as_group") {
		t.Errorf("a group without a user: %v", err)
	}
	cc.Linux.SecurityContext = nil
	if _, hc, err := containerConfig(cc, "sb"); err != nil || !reflect.DeepEqual(hc.SecurityOpt, []string{"seccomp=unconfined"}) {
		t.Errorf("no seccomp profile: %v %q", err, hc.SecurityOpt)
	}
}

// A container shares the pod's PID namespace unless it or the pod says
// otherwise.
func TestPidMode(t *testing.T) {
	const pod, ctr, node = runtimeapi.NamespaceMode_POD, runtimeapi.NamespaceMode_CONTAINER, runtimeapi.NamespaceMode_NODE
	for _, c := range []struct {
		pod, ctr runtimeapi.NamespaceMode
		want     string
	}{{pod, pod, "container:sb"}, {pod, ctr, ""}, {ctr, ctr, ""}, {node, pod, "host"}, {pod, node, "host"}} {
		if got := pidMode(c.pod, c.ctr, "sb"); string(got) != c.want {
			t.Errorf("pod %v container %v: %q, want %q", c.pod, c.ctr, got, c.want)
		}
	}
}
