// Package clitest runs berth's CLI against a fake daemon: an httptest
// server that answers the Docker Engine API requests a test registers and
// records every request. The command packages' tests use it to run whole
// command lines (flags, output, exit codes) without a daemon; only tests
// import it.
package clitest
