// Package firewall computes and installs berth's packet rules: outbound
// masquerading, published ports (DNAT from the host's own addresses,
// 127.0.0.1 included, and hairpin from containers), isolation between
// networks and --internal networks. (icc=false needs no rule: the bridge
// ports are isolated, see package bridge.)
//
// Every rule lives in berth's own nftables table (family ip), named after
// the daemon's default bridge,
// so that daemons side by side never touch each other's rules, and no
// other table of the host is flushed or edited. A change rewrites the
// whole table in one netlink transaction, computed from the full desired
// state (Ruleset); restoring after a daemon restart is the same operation.
//
// Rules is pure (unit-tested as nft text); Apply and Remove (Linux) talk
// to the kernel through github.com/google/nftables.
package firewall
