// Package network owns berth's networks: the records of the default
// "bridge" network and of user networks, the endpoints that plug
// containers into them, the containers' network namespaces, and published
// host ports. It is the only package that combines ipam (which subnet,
// which address), bridge (devices, namespaces, veths) and firewall (NAT,
// ports, isolation).
//
// State lives in one bbolt file, <data-root>/network.db:
//
//	networks/<64-hex id>                 → JSON of Record
//	endpoints/<container id>/<network id> → JSON of Endpoint
//
// Address allocations are derived from the endpoints. Everything in the
// kernel (bridges, namespaces under <exec-root>/netns, veths, the nftables
// table) is derived from these records and rebuilt by Reconcile when the
// daemon starts: endpoints of containers that no longer run are released,
// the host ports of running ones are reserved again and the rules rewritten.
package network
