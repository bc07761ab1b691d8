// Package hooks runs the OCI lifecycle hooks of a container (prestart,
// createRuntime, createContainer, startContainer, poststart, poststop): each
// hook's program with the container's OCI state as JSON on its stdin, its
// timeout, and an error that carries the hook's output.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RunEach runs hooks like Run, but a failure is only passed to warn and
// the remaining hooks still run: poststart and poststop hooks, which the
// specification says must not fail the operation.
func RunEach(kind string, hooks []specs.Hook, st specs.State, warn func(string)) {
	for _, h := range hooks {
		if err := Run(kind, []specs.Hook{h}, st); err != nil {
			warn(err.Error())
		}
	}
}

// Run runs hooks in order with the container state on stdin. The first
// failure stops the list; its error names the kind and the hook's path.
func Run(kind string, hooks []specs.Hook, st specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state for %s hooks: %w", kind, err)
	}
	for _, h := range hooks {
		if err := runHook(h, data); err != nil {
			return fmt.Errorf("run %s hook %s: %w", kind, h.Path, err)
		}
	}
	return nil
}

func runHook(h specs.Hook, state []byte) error {
	ctx := context.Background()
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	}
	cmd.Env = h.Env // nil inherits the runtime's environment, as with runc
	cmd.Stdin = bytes.NewReader(state)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		msg := strings.TrimSpace(out.String())
		if msg != "" {
			return fmt.Errorf("%w: %s", err, strings.ReplaceAll(msg, "\n", " "))
		}
		return err
	}
	return nil
}
