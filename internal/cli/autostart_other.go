//go:build !linux

package cli

import (
	"context"

	"github.com/moby/moby/client"
)

// autoStart starts a daemon only on Linux.
func autoStart(context.Context, client.APIClient, string, string) error { return errNotRoot }
