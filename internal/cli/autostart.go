package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

var errNotRoot = errors.New("not root: daemon not started")

// waitPing polls the daemon with a short, growing backoff until it answers,
// exited reports the started process's exit, or timeout passes.
func waitPing(ctx context.Context, api client.APIClient, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := 10 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := api.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true, ForceNegotiate: true})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for daemon: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-exited:
			if e == nil {
				e = errors.New("exited")
			}
			return fmt.Errorf("daemon exited before answering: %w", e)
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}
