// Package dns owns container name resolution: the embedded DNS server of
// user networks, and the name files every container gets (/etc/hosts,
// /etc/resolv.conf).
//
// # Embedded server
//
// Inside a container's network namespace a Server answers on 127.0.0.11:53
// (udp and tcp), as Docker's embedded server does, with the addresses of
// the names the caller knows (container names, network aliases, short
// IDs…) and forwards every other question to upstream resolvers.
//
// The server decides nothing about networks: it asks a Names value on every
// query, so connect, disconnect and renames show at once. Table is a ready
// Names for one network (Set and Remove per endpoint; "name" and
// "name.<network>" answered; reverse answers "name.<network>"); Chain joins
// the tables of a container's networks.
//
// Sockets and namespaces: ListenNetns opens the two listening sockets inside
// the container's namespace from a locked thread of the daemon, then
// returns that thread to the daemon's namespace (netns_linux.go explains
// why). The server runs in the daemon process; no helper process lives in
// the container. The forwarder's sockets are made on ordinary threads, in
// the daemon's own namespace, so upstreams are reached over the host's
// routes, including a resolver on the host's loopback (127.0.0.53, a local
// dnsmasq…) that the container itself could never reach.
//
// Lifecycle: New, then ListenNetns (or Listen, in tests) once, then Close.
// A closed server is not reopened: make a new one. Servers keeps one per
// container. After a daemon restart the new daemon opens a new server for
// each running container on /proc/<pid>/ns/net (or the namespace's bind
// mount); the old daemon's sockets died with its process, so the port is
// free.
//
// Usage (daemon side; nets are the container's user networks):
//
//	tables := map[string]*dns.Table{} // one per user network, by name
//	t := tables["mynet"]              // &dns.Table{Domain: "mynet"}
//	t.Set(c.ID, []string{"web", "alias1", shortID}, []netip.Addr{addr})
//
//	file, upstreams := dns.ContainerResolvConf(
//		dns.ParseResolvConf(hostResolvConf), dns.Embedded, dns.Overrides{Nameservers: hc.DNS})
//	// write file as the container's resolv.conf ("nameserver 127.0.0.11")
//	err := servers.Start(c.ID, "/proc/"+pid+"/ns/net", dns.Config{
//		Names: dns.Chain(tables["mynet"], tables["other"]), Upstreams: upstreams, Logger: log,
//	})
//	…
//	servers.Stop(c.ID) // the container stopped
//	t.Remove(c.ID)
//
// # Name files
//
// Hosts builds /etc/hosts (localhost lines, --add-host and link lines, the
// container's own addresses with its hostname and aliases); ParseExtraHost
// reads --add-host (host-gateway included) and LinkEntry makes a --link
// line. ContainerResolvConf builds /etc/resolv.conf for a Mode: Private
// (default bridge, none: the host's resolvers minus loopback ones, no
// public fallback), HostNetwork (the host's as they are) or Embedded (user
// networks: 127.0.0.11, the host's resolvers becoming the upstreams).
package dns
