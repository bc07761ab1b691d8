package archive

import (
	"fmt"
	"path"
	"strings"

	"github.com/berth/berth/internal/errdefs"
)

// CleanEntryName validates a tar entry name and returns it cleaned and
// relative ("a/b"). Absolute names and names that climb out of the root with
// ".." are rejected; "." names the root itself and yields "".
func CleanEntryName(name string) (string, error) {
	if name == "" {
		return "", errdefs.InvalidParameter(fmt.Errorf("empty tar entry name"))
	}
	if strings.HasPrefix(name, "/") {
		return "", errdefs.InvalidParameter(fmt.Errorf("tar entry %q: absolute path not allowed", name))
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errdefs.InvalidParameter(fmt.Errorf("tar entry %q: path escapes the root", name))
		}
	}
	c := path.Clean(name)
	if c == "." {
		return "", nil
	}
	return c, nil
}
