package daemon

import "context"

// ContainerReopenLog has the monitor of the running container name open
// its log file again at its path: the CRI's ReopenContainerLog, which the
// kubelet calls after renaming the file to rotate it.
func (d *Daemon) ContainerReopenLog(ctx context.Context, name string) error {
	_, sh, err := d.runningShim(name)
	if err != nil {
		return err
	}
	return sh.ReopenLog(ctx)
}
