// Package cli is the berth command-line client's root: the CLI value that
// holds one invocation's streams, environment and lazily made API client
// (the command.Cli the command packages use), the root command with its
// global flags, the table of top-level commands (built lazily, one per
// invocation when the command word names one), docker's exit codes and
// error printing, and the start of a daemon when none answers (autostart).
//
// The commands themselves live in the packages under command/, one per
// resource; they reach the engine only through the Docker Engine API
// (github.com/moby/moby/client).
package cli
