// Package volume is the router of the /volumes endpoints: list (filters
// dangling, name, label, driver), create, inspect, remove (force) and prune
// (filters label, label!, all), over a narrow Backend (the daemon's volumes
// service).
package volume
