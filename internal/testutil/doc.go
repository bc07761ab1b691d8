// Package testutil holds helpers shared by berth's tests: gating of
// privileged tests, image fixtures built from Debian's busybox-static, and
// polling helpers.
package testutil
