// Package opts parses docker's command-line option syntax into Docker Engine
// API values: env and label files, labels, published ports, mounts, volumes,
// tmpfs, memory and CPU amounts, restart policies, ulimits, --filter
// values and platforms.
package opts
