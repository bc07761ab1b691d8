// Package swarm answers the swarm-mode and plugin endpoints as a dockerd
// that is not part of a swarm and has no plugins installed does: /swarm,
// /nodes, /services, /tasks, /secrets and /configs are 503 "This node is
// not a swarm manager…" (/swarm/leave: "This node is not part of a
// swarm"), GET /plugins is an empty list. berth has no swarm mode, so
// /swarm/init and /swarm/join are refused with the same status.
package swarm
