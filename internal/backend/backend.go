package backend

import (
	"io"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"

	"github.com/berth/berth/internal/backend/filters"
)

// ContainerListOptions are the query parameters of GET /containers/json.
type ContainerListOptions struct {
	All     bool
	Limit   int
	Size    bool
	Filters filters.Args
	// Namespace lists the containers of that namespace only ("" = the
	// Docker API's, as the routers ask): CRI's containers stay out of
	// `docker ps`, as containerd's namespaces do.
	Namespace string
}

// ContainerCreateExtensions are berth's fields of a create request's
// HostConfig beyond Docker's (README, "Where berth differs from Docker").
type ContainerCreateExtensions struct {
	// HealthOnFailure is what happens to a container whose health turns
	// unhealthy (Podman's --health-on-failure): "none" (or empty), "kill",
	// "restart" or "stop".
	HealthOnFailure string `json:"BerthHealthOnFailure,omitempty"`
	// PortHandover names a container whose published host ports the new
	// container shares when it starts (if that one holds them then)
	// instead of failing on them as already allocated, and takes over once
	// it is healthy (or started, without a health check): the redeploy of
	// berth compose's start-first order.
	PortHandover string `json:"BerthPortHandover,omitempty"`

	// The fields below are not the API's: the CRI server sets them.

	// Namespace puts the container in a namespace other than the Docker
	// API's ("" ); see ContainerListOptions.Namespace.
	Namespace string `json:"-"`
	// LogPath, when set, is where the container's log goes, in LogFormat
	// ("cri": the kubelet's `<time> <stream> <P|F> <line>`; "" = json-file).
	LogPath   string `json:"-"`
	LogFormat string `json:"-"`
	// Infra makes a container without an image: an empty root in which
	// berth's own init, given no command, holds the namespaces (a pod
	// sandbox's infra process).
	Infra bool `json:"-"`
}

// ContainerLogsOptions are the query parameters of GET
// /containers/{name}/logs.
type ContainerLogsOptions struct {
	Follow     bool
	Timestamps bool
	Stdout     bool
	Stderr     bool
	Since      time.Time
	Until      time.Time
	Tail       int  // -1 = all
	Details    bool // the attributes the driver recorded before each line
}

// StreamOpener is called by the backend once the request is validated: it
// writes the response header and returns the writers (multiplexed when tty is
// false).
type StreamOpener func(tty bool) (stdin io.ReadCloser, stdout, stderr io.Writer, err error)

// ContainerAttachOptions are the query parameters of POST
// /containers/{name}/attach.
type ContainerAttachOptions struct {
	Stream, Logs          bool
	Stdin, Stdout, Stderr bool
	DetachKeys            string
	Open                  StreamOpener
}

// ArchiveStat is the header X-Docker-Container-Path-Stat of archive requests.
type ArchiveStat = containertypes.PathStat

// ContainerCommitOptions are the query parameters of POST /commit.
type ContainerCommitOptions struct {
	Repo, Tag, Comment, Author string
	Changes                    []string
	Pause                      bool
	Config                     *containertypes.Config
}

// ExecStartOptions are the body of POST /exec/{id}/start plus the stream
// opener called once the exec is validated.
type ExecStartOptions struct {
	Detach      bool
	Tty         bool
	ConsoleSize *[2]uint
	// Open hijacks the connection; the backend calls it once (not when
	// detached) before it starts the process.
	Open StreamOpener
}

// BuildOptions are the query parameters of POST /build.
type BuildOptions struct {
	Tags       []string
	Dockerfile string
	BuildArgs  map[string]*string
	Labels     map[string]string
	Target     string
	NoCache    bool
	Pull       bool
	Network    string
	Platform   string
	ExtraHosts []string
	// LocalDir is a context directory on the daemon's host, read in place
	// (remote=berth-local://DIR from a local root client); the request
	// body is then empty.
	LocalDir string
}

// ImageInspectResponse is the answer of GET /images/{name}/json: the API
// type plus the fields dockerd still sends that the API module has dropped.
type ImageInspectResponse struct {
	imagetypes.InspectResponse
	// Parent is the image a commit or a classic-builder step started
	// from; "" for pulled, loaded and imported images.
	Parent string
	// DockerVersion is the engine version that built the image ("" here).
	DockerVersion string
	// VirtualSize repeats Size for clients older than API 1.44.
	VirtualSize *int64 `json:",omitempty"`
	// Container and ContainerConfig, for clients older than API 1.45, are
	// the container the image was committed from ("" here) and its config
	// (here the image's config in the container's form): docker-compose
	// 1.29 reads ContainerConfig.Volumes when it recreates a container.
	Container       *string                `json:",omitempty"`
	ContainerConfig *containertypes.Config `json:",omitempty"`
}

// DiskUsage is the body of GET /system/df in both shapes: the legacy one
// (API < 1.52: LayersSize, Images, Containers, Volumes, BuildCache) and the
// newer *Usage objects.
type DiskUsage struct {
	LayersSize int64 `json:"LayersSize"`
	Images     []any `json:"Images"`
	Containers []any `json:"Containers"`
	Volumes    []any `json:"Volumes"`
	BuildCache []any `json:"BuildCache"`
	system.DiskUsage
}
