package server

import (
	"fmt"
	"strings"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/stream"
)

// API versions served: the moby api module's version is the maximum, 1.24 the
// minimum, as dockerd.
const (
	APIVersion    = "1.56"
	MinAPIVersion = "1.24"
)

// splitVersion strips a "/v1.NN" prefix from path and returns the version
// ("" when the path has none) and the rest.
func splitVersion(path string) (version, rest string) {
	if !strings.HasPrefix(path, "/v") {
		return "", path
	}
	end := strings.IndexByte(path[1:], '/')
	if end < 0 {
		return "", path
	}
	seg := path[2 : end+1]
	if seg == "" || strings.Trim(seg, "0123456789.") != "" || !strings.Contains(seg, ".") {
		return "", path
	}
	return seg, path[end+1:]
}

// checkVersion rejects versions outside [MinAPIVersion, APIVersion] with
// dockerd's messages.
func checkVersion(v string) error {
	if v == "" {
		return nil
	}
	if stream.CompareVersions(v, APIVersion) > 0 {
		return errdefs.InvalidParameter(fmt.Errorf("client version %s is too new. Maximum supported API version is %s", v, APIVersion))
	}
	if stream.CompareVersions(v, MinAPIVersion) < 0 {
		return errdefs.InvalidParameter(fmt.Errorf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinAPIVersion))
	}
	return nil
}
