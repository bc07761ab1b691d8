// Package ctxio holds the reader that stops when its context is done, so
// that a long copy (a blob into the content store, a layer into a
// compressor) ends when the request that asked for it is cancelled.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r read until ctx is done: from then on every Read
// returns ctx's error.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
