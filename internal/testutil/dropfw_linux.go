package testutil

import (
	"fmt"

	"github.com/google/nftables"
)

// AddDropForward creates the nftables table (family inet) name with a
// filter chain on the forward hook whose policy is drop, as ufw and
// firewalld leave a host, and returns the function that deletes it.
func AddDropForward(name string) (remove func() error, err error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("open nftables: %w", err)
	}
	drop := nftables.ChainPolicyDrop
	t := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: name})
	c.AddChain(&nftables.Chain{Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &drop})
	if err := c.Flush(); err != nil {
		return nil, fmt.Errorf("create table inet %s: %w", name, err)
	}
	return func() error {
		c.DelTable(t)
		return c.Flush()
	}, nil
}
