// Package testutil holds helpers shared by berth's tests: gating of
// privileged tests, the berth binary under test (built as the Makefile
// builds it), image fixtures built from Debian's busybox-static and runc
// bundles made of them, tar streams written and read, the test binary
// re-run as a child with a request (ChildMain, RunChild), a buffer safe
// for a writer and a reader, the items of a callback reader (Collect), and
// polling helpers.
package testutil
