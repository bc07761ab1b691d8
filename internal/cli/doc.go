// Package cli is the berth command-line client: flags become Docker Engine API requests through github.com/moby/moby/client.
package cli
