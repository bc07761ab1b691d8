// Package compose is `berth compose`: the compose commands over the
// engine of internal/compose, reaching the daemon through the API.
package compose
