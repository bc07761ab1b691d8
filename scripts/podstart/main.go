// Command podstart times, interleaved in one long-lived client as a kubelet
// or a compose tool is, a pod's start through berth's CRI (RunPodSandbox,
// CreateContainer, StartContainer of a hostNetwork pod with one busybox
// container) against a container's start through a Docker API (create and
// start of the same busybox on the host's network). Each pod or container
// is removed after its start, untimed. It prints, for scripts/bench-pod.sh,
// one line per engine: its name and the times in µs.
//
//	go run ./scripts/podstart -cri unix:///…/cri.sock -docker unix:///…/docker.sock -n 30
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	criAddr := flag.String("cri", "", "berth's CRI socket (unix://PATH)")
	dockerAddr := flag.String("docker", "", "the peer's Docker API socket (unix://PATH)")
	n := flag.Int("n", 30, "starts per engine, after one warm-up each")
	logDir := flag.String("logs", "/tmp", "the pods' log directory")
	flag.Parse()
	ctx := context.Background()
	conn, err := grpc.NewClient(*criAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	cri := runtimeapi.NewRuntimeServiceClient(conn)
	docker, err := client.New(client.WithHost(*dockerAddr))
	if err != nil {
		log.Fatal(err)
	}
	times := map[string][]string{}
	for i := 0; i <= *n; i++ {
		b := timed(func() (func(), error) { return podStart(ctx, cri, i, *logDir) })
		d := timed(func() (func(), error) { return dockerStart(ctx, docker) })
		if i > 0 { // the first of each is a warm-up
			times["berth"] = append(times["berth"], b)
			times["docker"] = append(times["docker"], d)
		}
	}
	for _, e := range []string{"berth", "docker"} {
		fmt.Println(e, strings.Join(times[e], " "))
	}
}

// timed runs start, then, off the clock, the removal it returns, and gives
// the start's time in µs; any error ends the program.
func timed(start func() (func(), error)) string {
	t := time.Now()
	remove, err := start()
	d := time.Since(t)
	if remove != nil {
		remove()
	}
	if err != nil {
		log.Fatal(err)
	}
	return fmt.Sprint(d.Microseconds())
}

// podStart starts pod i with its container and returns its removal.
func podStart(ctx context.Context, cri runtimeapi.RuntimeServiceClient, i int, logDir string) (func(), error) {
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: fmt.Sprint("bench-", i), Namespace: "default", Uid: fmt.Sprint("uid-", i)},
		LogDirectory: logDir,
		Linux: &runtimeapi.LinuxPodSandboxConfig{SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE}}},
	}
	pod, err := cri.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("RunPodSandbox: %w", err)
	}
	id := pod.GetPodSandboxId()
	remove := func() {
		_, _ = cri.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id})
		_, _ = cri.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id})
	}
	ctr, err := cri.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: id, SandboxConfig: cfg, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "app"}, Image: &runtimeapi.ImageSpec{Image: "busybox"},
		Command: []string{"sleep", "1000000"}, LogPath: "app.log",
	}})
	if err != nil {
		return remove, fmt.Errorf("CreateContainer: %w", err)
	}
	if _, err := cri.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: ctr.GetContainerId()}); err != nil {
		return remove, fmt.Errorf("StartContainer: %w", err)
	}
	return remove, nil
}

// dockerStart creates and starts a container and returns its removal.
func dockerStart(ctx context.Context, api *client.Client) (func(), error) {
	res, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &containertypes.Config{Image: "busybox", Cmd: []string{"sleep", "1000000"}},
		HostConfig: &containertypes.HostConfig{NetworkMode: "host"},
	})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	remove := func() { _, _ = api.ContainerRemove(ctx, res.ID, client.ContainerRemoveOptions{Force: true}) }
	if _, err := api.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		return remove, fmt.Errorf("start: %w", err)
	}
	return remove, nil
}
