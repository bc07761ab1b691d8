// Package command holds what the command packages share: the Cli interface
// (streams, environment, daemon address, API client) through which every
// command reaches the invocation, the positional-argument checks and their
// docker error texts, the exit-status error, the management-command group,
// and the bodies several resources run alike: listing (List), pruning
// (Prune), inspecting (Inspect), parallel per-name verbs (ForEach), the
// yes/no question, writing an archive to -o or refusing a terminal
// (SaveArchive), and the registry credentials of the client config file.
package command
