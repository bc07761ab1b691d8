// Package network owns berth's networks: the records of the default
// "bridge" network and of user networks, the endpoints that plug
// containers into them, the containers' network namespaces, and published
// host ports. It is the only package that combines ipam (which subnet,
// which address), bridge (devices, namespaces, veths) and firewall (NAT,
// ports, isolation).
//
// State lives in two bbolt files:
//
//	<data-root>/network.db   networks/<64-hex id>                  → JSON of Record
//	<exec-root>/endpoints.db endpoints/<container id>/<network id> → JSON of Endpoint
//
// Networks are durable (fsynced). Endpoints describe running containers
// only, so they live with the other runtime state under the exec root and
// are written in transactions without fsync (a power loss ends the
// containers too); this keeps two fsyncs off every container's start and
// stop. Address allocations are derived from the endpoints. Everything in the
// kernel (bridges, namespaces under <exec-root>/netns, veths, the nftables
// table) is derived from these records and rebuilt by Reconcile when the
// daemon starts: endpoints of containers that no longer run are released,
// the host ports of running ones are reserved again and the rules rewritten.
package network
