// Package integration holds berth's end-to-end tests: each starts the built
// `berth daemon` with a temporary data root and socket and drives it with
// github.com/moby/moby/client and with the real docker CLI. They need root
// (BERTH_TEST_ROOT=1).
package integration
