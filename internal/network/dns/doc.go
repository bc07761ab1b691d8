// Package dns is the embedded DNS server of user networks: inside a
// container's network namespace it answers on 127.0.0.11:53 (udp and tcp),
// as Docker's embedded server does, with the addresses of the names the
// caller knows (container names, network aliases, short IDs…) and forwards
// every other question to upstream resolvers.
//
// The package decides nothing about networks: the caller gives a Names
// value, asked on every query, so that connect, disconnect and renames show
// at once. The server only formats answers and forwards.
//
// Sockets and namespaces: ListenNetns opens the listening sockets inside the
// container's namespace from a thread of the daemon (see netns_linux.go), so
// the server runs in the daemon process and no helper process lives in the
// container. The forwarder's sockets are opened in the daemon's own
// namespace, so upstreams are reached over the host's routes; that includes
// a resolver on the host's loopback (127.0.0.53, a local dnsmasq…), which the
// container itself could never reach.
//
// Lifecycle: New, then ListenNetns (or Listen, for tests) once, then Close.
// A closed server cannot be reopened: make a new one. After a daemon restart
// the daemon makes a new Server for each running container and opens it on
// /proc/<pid>/ns/net (or the namespace's bind mount); the old daemon's
// sockets died with its process, so the port is free.
//
// Usage (daemon side, per container on a user network):
//
//	names := dns.NamesFunc(func(name string) ([]netip.Addr, bool) {
//		return network.Lookup(name) // "web", "web.mynet", an alias, a short ID
//	}, nil)
//	up := dns.Upstreams(resolvConfBytes) // or the container's --dns servers
//	srv := dns.New(dns.Config{Names: names, Upstreams: up, Logger: log})
//	if err := srv.ListenNetns("/run/berth/netns/" + id); err != nil {
//		return err
//	}
//	defer srv.Close() // when the container stops
//
// The container's resolv.conf then says "nameserver 127.0.0.11".
package dns
