// Package ipam decides addresses: which private subnet a new network gets
// (the first candidate that overlaps nothing in use on the host or in
// berth's own networks), and which address a new endpoint gets in a
// network's pool (first free, skipping the network and broadcast addresses
// and the gateway). It is pure: the caller supplies what is in use.
package ipam
