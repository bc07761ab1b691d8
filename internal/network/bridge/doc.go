// Package bridge is the kernel side of a bridge network: the Linux bridge
// device with its gateway address, named network namespaces (a nsfs bind
// mount, so that any OCI runtime joins them by path), and the veth pair
// that plugs a namespace into a bridge with its address, MAC and default
// route, all through netlink (github.com/vishvananda/netlink).
package bridge
