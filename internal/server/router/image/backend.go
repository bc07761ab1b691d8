package image

import (
	"context"
	"io"

	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/backend"
)

// Backend is what the image router needs from the daemon.
type Backend interface {
	// ImageImport creates an image from a root filesystem tar read from
	// body (src "-") or fetched from the URL src, and returns its ID.
	ImageImport(ctx context.Context, src string, body io.Reader, repo, tag, message string, changes []string, platform string) (string, error)
	// ImageLoad loads a docker-archive or OCI layout; progress receives
	// lines such as "Loaded image: busybox:latest".
	ImageLoad(ctx context.Context, body io.Reader, quiet bool, progress func(string)) error
	// ImageSave writes the named images as one archive to w.
	ImageSave(ctx context.Context, names []string, w io.Writer) error
	// ImageList lists images; filters are decoded name → values.
	ImageList(ctx context.Context, all bool, filters map[string][]string, sharedSize bool) ([]imagetypes.Summary, error)
	// ImageTag adds the reference repo:tag to the image name.
	ImageTag(ctx context.Context, name, repo, tag string) error
	// ImageDelete untags or deletes the image name (docker rmi).
	ImageDelete(ctx context.Context, name string, force, prune bool) ([]imagetypes.DeleteResponse, error)
	// ImageHistory returns the history of the image name, newest first.
	ImageHistory(ctx context.Context, name string) ([]imagetypes.HistoryResponseItem, error)
	// ImageInspect returns the image name's details.
	ImageInspect(ctx context.Context, name string) (*backend.ImageInspectResponse, error)
	// ImagesPrune removes unused images.
	ImagesPrune(ctx context.Context, filters map[string][]string) (*imagetypes.PruneReport, error)
}

// Puller is implemented by a backend that can pull from registries
// (POST /images/create?fromImage=…); without it pulls answer 501.
type Puller interface {
	// ImagePull pulls image:tag (tag or digest) and writes Docker's JSON
	// progress messages to out. auth is the X-Registry-Auth header.
	ImagePull(ctx context.Context, image, tag, platform, auth string, out io.Writer) error
}

// Searcher is implemented by a backend that can search registries
// (GET /images/search); without it searches answer 501.
type Searcher interface {
	// ImageSearch returns up to limit repositories matching term (0: the
	// default), filtered by stars, is-official and is-automated.
	ImageSearch(ctx context.Context, term string, limit int, filters map[string][]string) ([]registry.SearchResult, error)
}

// Pusher is implemented by a backend that can push
// (POST /images/{name}/push); without it pushes answer 501.
type Pusher interface {
	// ImagePush pushes name (with tag, if set) and writes JSON progress.
	ImagePush(ctx context.Context, name, tag, auth string, out io.Writer) error
}
