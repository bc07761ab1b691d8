package image

import (
	"io"
	"time"

	"github.com/berth/berth/internal/cli/format"
	"github.com/moby/moby/api/types/image"
)

// WriteUsage writes the images table of "system df -v": one row per
// image, named by its first tag.
func WriteUsage(out io.Writer, items []image.Summary, now time.Time) error {
	w, _ := format.NewWriter("", "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")
	for _, img := range items {
		rows := imageRows(img, false)
		if len(rows) > 0 {
			r := rows[0]
			r.trunc, r.now = true, now
			w.Row(r)
		}
	}
	return w.Flush(out, imageHeaders)
}
