package container

import (
	"io"
	"time"

	"github.com/berth/berth/internal/cli/format"
	"github.com/moby/moby/api/types/container"
)

// WriteUsage writes the containers table of "system df -v".
func WriteUsage(out io.Writer, items []container.Summary, now time.Time) error {
	w, _ := format.NewWriter("", "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}")
	for _, s := range items {
		w.Row(&containerRow{c: s, trunc: true, now: now})
	}
	return w.Flush(out, psHeaders)
}
