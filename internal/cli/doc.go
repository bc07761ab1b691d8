// Package cli is the berth command-line client: flags become Docker Engine API
// requests through github.com/moby/moby/client, output is rendered as the
// docker CLI renders it, and exit codes follow docker's.
//
// Commands are split nerdctl's way: a cobra command parses flags into an
// options struct, and a run function takes the API client and the options, so
// the logic is testable against an httptest server speaking the API.
package cli
