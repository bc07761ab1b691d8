package oci

import (
	"testing"

	"github.com/moby/moby/api/types/container"
)

func BenchmarkGenerateWithSeccomp(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, err := Generate(Options{Config: &container.Config{Cmd: []string{"true"}}, HostConfig: &container.HostConfig{}, Rootfs: "rootfs", Seccomp: DefaultSeccomp})
		if err != nil {
			b.Fatal(err)
		}
	}
}
