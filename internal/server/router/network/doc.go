// Package network serves /networks: list, inspect, create, remove, prune,
// connect and disconnect, over a narrow Backend.
package network
