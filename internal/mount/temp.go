package mount

import (
	"fmt"
	"os"
)

func mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "berth-mount-")
	if err != nil {
		return "", fmt.Errorf("create temporary mount point: %w", err)
	}
	return d, nil
}

func removeDir(d string) { _ = os.Remove(d) }
