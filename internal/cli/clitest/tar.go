package clitest

import (
	"bytes"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TarOf builds a tar of files (names ending in "/" are directories), in
// name order.
func TarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	return testutil.TarFiles(t, files)
}

// TarNames reads a tar into a map of name to content.
func TarNames(t *testing.T, data []byte) map[string]string {
	t.Helper()
	return testutil.TarNames(t, bytes.NewReader(data))
}
