// Package shim is the per-container monitor: it owns the container's stdio, writes its log and records its exit status, and outlives daemon restarts.
package shim
