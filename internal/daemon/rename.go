package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// ContainerRename renames a container.
func (d *Daemon) ContainerRename(ctx context.Context, name, newName string) error {
	if newName == "" {
		return errdefs.InvalidParameter(errors.New("Neither old nor new names may be empty"))
	}
	newName = strings.TrimPrefix(newName, "/")
	if !container.ValidName(newName) {
		return errdefs.InvalidParameter(fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", newName))
	}
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock() // another rename may change the name meanwhile
	old := c.Name
	c.Unlock()
	if old == "/"+newName {
		return errdefs.InvalidParameter(errors.New("Renaming a container with the same name as its current name"))
	}
	if err := d.containers.Rename(c, newName); err != nil {
		if errdefs.IsConflict(err) {
			return errdefs.Conflict(fmt.Errorf("Error when allocating new name: %w", err)) // dockerd's words
		}
		return err
	}
	crashPoint("rename-after-record")
	d.net.Rename(c)
	c.Lock()
	d.emit("container", "rename", c, map[string]string{"oldName": old})
	c.Unlock()
	return nil
}
