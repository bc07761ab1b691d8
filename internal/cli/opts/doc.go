// Package opts parses docker's command-line option syntax into Docker Engine
// API values: env files, labels, published ports, mounts, tmpfs, memory and
// CPU amounts, restart policies, ulimits and detach keys.
package opts
