package daemon

import (
	"context"
	"os/exec"
	"time"

	"github.com/berth/berth/internal/container"
)

// runtimeDeleteForce runs `<runtime> delete --force <id>` directly. It is
// the fallback for a container whose shim died: normally the runtime is
// only ever driven by the shim.
func (d *Daemon) runtimeDeleteForce(c *container.Container) {
	argv, err := d.runtimeArgv(c.Runtime)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(d.bg, 10*time.Second)
	defer cancel()
	args := append(append([]string{}, argv[1:]...), "delete", "--force", c.ID)
	out, err := exec.CommandContext(ctx, argv[0], args...).CombinedOutput()
	if err != nil {
		d.log.Warn("runtime delete --force after shim loss", "id", c.ID, "err", err, "output", string(out))
	}
}
