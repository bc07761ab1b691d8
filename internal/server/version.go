package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/errdefs"
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

// compareVersions returns -1, 0 or 1 as a <, = or > b (dotted numbers).
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// checkVersion rejects versions outside [MinAPIVersion, APIVersion] with
// dockerd's messages.
func checkVersion(v string) error {
	if v == "" {
		return nil
	}
	if compareVersions(v, APIVersion) > 0 {
		return errdefs.InvalidParameter(fmt.Errorf("client version %s is too new. Maximum supported API version is %s", v, APIVersion))
	}
	if compareVersions(v, MinAPIVersion) < 0 {
		return errdefs.InvalidParameter(fmt.Errorf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinAPIVersion))
	}
	return nil
}
