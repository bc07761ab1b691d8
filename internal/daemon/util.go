package daemon

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/docker/go-units"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func parseSize(s string) (int64, error) { return units.RAMInBytes(s) }

func itoa(n int) string { return strconv.Itoa(n) }

func cutColon(s string) (string, string, bool) { return strings.Cut(s, ":") }

func hasPart(s, part string) bool {
	for _, p := range strings.Split(s, ",") {
		if p == part {
			return true
		}
	}
	return false
}
