// Package cmd parses the flags of berth daemon and runs the daemon.
package cmd
