// Package testutil holds helpers shared by berth's tests: gating of
// privileged tests, the berth binary under test (built as the Makefile
// builds it), image fixtures built from Debian's busybox-static, tar
// streams written and read, and polling helpers.
package testutil
