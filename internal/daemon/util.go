package daemon

import (
	"bytes"
	"io"

	"github.com/docker/go-units"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func parseSize(s string) (int64, error) { return units.RAMInBytes(s) }
