package resources

import (
	"github.com/berth/berth/internal/container"
)

// Containers is what the service needs of the container records: find one
// by name, ID or ID prefix, and store one.
type Containers interface {
	container.Records
}

// Config is what the daemon hands the service.
type Config struct {
	Containers Containers
	// CgroupV2 tells whether /sys/fs/cgroup is the unified hierarchy.
	CgroupV2 bool
	// MemTotal is the host's memory in bytes: the memory limit stats show
	// for a container without one.
	MemTotal int64
	// RuntimeArgv is the argv prefix of the named OCI runtime ("" = the
	// default one), run with its update verb.
	RuntimeArgv func(runtime string) ([]string, error)
	// Emit sends a container event (action "update") to the daemon's
	// subscribers.
	Emit func(c *container.Container, action string)
}

// Service is the resource use cases of one daemon.
type Service struct {
	containers  Containers
	v2          bool
	memTotal    uint64
	runtimeArgv func(string) ([]string, error)
	emit        func(*container.Container, string)
}

// New returns the service over cfg.
func New(cfg Config) *Service {
	return &Service{containers: cfg.Containers, v2: cfg.CgroupV2, memTotal: uint64(cfg.MemTotal),
		runtimeArgv: cfg.RuntimeArgv, emit: cfg.Emit}
}
