package cli

import (
	cerrdefs "github.com/containerd/errdefs"
	"io"
	"os"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// lookupEnv adapts CLI.Env to the (value, ok) form.
func (c *CLI) lookupEnv(k string) (string, bool) {
	if c.Env == nil {
		return os.LookupEnv(k)
	}
	v := c.Env(k)
	return v, v != ""
}

// writeToFileOrStdout writes r to path, or to c.Out when path is "" or "-".
func (c *CLI) writeToFileOrStdout(path string, r io.Reader) error {
	if path == "" || path == "-" {
		_, err := io.Copy(c.Out, r)
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stripSlash removes the leading "/" docker keeps in container names.
func stripSlash(s string) string { return strings.TrimPrefix(s, "/") }

// isNotFound reports whether the daemon answered 404.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
