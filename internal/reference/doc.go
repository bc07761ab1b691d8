// Package reference parses and normalises image references as Docker does
// (busybox = docker.io/library/busybox:latest).
package reference
