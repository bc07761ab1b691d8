// Package netglue is the daemon's networking glue: it joins containers to
// the networks of internal/network. It owns
//
//   - the network use cases of the API (list, inspect, create, remove,
//     prune, connect, disconnect) and their events: *Service is the
//     network router's Backend;
//   - a container's network mode at create (Normalize), its endpoints and
//     published ports at start (Setup) and their release (ReleasePorts,
//     Release), and what inspect and ps show of them (Settings,
//     PortSummaries, FilterMatch);
//   - the embedded DNS records: one name table per user network, one
//     server per container started on one (rebuilt by RestoreDNS);
//   - the name files bind-mounted into a container, kept in its
//     directory: /etc/hostname, /etc/hosts (--add-host, links) and
//     /etc/resolv.conf (--dns…, the embedded server);
//   - legacy links (--link): their checks, variables and removal.
//
// It knows containers only as records (internal/container) found and saved
// through its small Containers interface; the daemon gives it the
// directory of a container's files and where events go.
package netglue
