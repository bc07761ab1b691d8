// Package network holds the network commands: network create, ls, inspect,
// rm, prune, connect and disconnect.
package network
