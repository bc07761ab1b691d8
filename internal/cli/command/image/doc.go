// Package image holds the image commands: images, pull, push, load, save,
// import, tag, rmi, history, search, image prune, image inspect and the
// "image" group (whose build subcommand comes from package builder), and
// the image rows "system df -v" prints.
package image
