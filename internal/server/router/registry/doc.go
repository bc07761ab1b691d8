// Package registry serves POST /auth: checking registry credentials
// (docker login) through the daemon.
package registry
