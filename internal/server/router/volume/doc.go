// Package volume is the router of the /volumes endpoints: list (filters
// dangling, name, label, driver), create, inspect, remove (force) and prune
// (filters label, label!, all), over the daemon as its Backend.
package volume
