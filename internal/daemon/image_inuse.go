package daemon

// imageInUse reports whether a container (running or not) uses the image
// id ("sha256:…"): docker rmi refuses such an image unless forced, and
// image prune -a keeps it.
//
// Declared by the images helper, body by the engine helper (the file said
// it is owned by the engine side): the container registry is looked up.
func (d *Daemon) imageInUse(id string) bool {
	return d.containers != nil && len(d.containersUsingImage(id)) > 0
}
