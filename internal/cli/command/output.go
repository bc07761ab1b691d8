package command

import (
	"io"
	"os"
)

// WriteToFileOrStdout writes r to path, or to c.Out() when path is "" or "-".
func WriteToFileOrStdout(c Cli, path string, r io.Reader) error {
	if path == "" || path == "-" {
		_, err := io.Copy(c.Out(), r)
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
