package dns

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Table is the Names of one network: the records of its endpoints, added
// when a container joins and removed when it leaves. It is safe for
// concurrent use. Names are matched without case, bare or followed by
// "." + Domain (Docker answers "web" and "web.mynet"); several endpoints
// may share a name (an alias), which then has all their addresses.
type Table struct {
	// Domain is the network's name: "name.Domain" is answered too, and
	// reverse answers are "firstname.Domain".
	Domain string

	mu   sync.RWMutex
	recs map[string]record // by key
}

type record struct {
	names []string // lower case
	addrs []netip.Addr
}

// Set records the endpoint key (a container ID, say) with its names (the
// container name first, then aliases, short ID…) and addresses, replacing
// what key had.
func (t *Table) Set(key string, names []string, addrs []netip.Addr) {
	r := record{addrs: slices.Clone(addrs)}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if n != "" && !slices.Contains(r.names, n) {
			r.names = append(r.names, n)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.recs == nil {
		t.recs = map[string]record{}
	}
	t.recs[key] = r
}

// Remove forgets the endpoint key.
func (t *Table) Remove(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.recs, key)
}

// LookupHost implements Names.
func (t *Table) LookupHost(name string) ([]netip.Addr, bool) {
	if t.Domain != "" {
		if n, ok := strings.CutSuffix(name, "."+strings.ToLower(t.Domain)); ok {
			name = n
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	var addrs []netip.Addr
	found := false
	for _, r := range t.recs {
		if slices.Contains(r.names, name) {
			found = true
			addrs = append(addrs, r.addrs...)
		}
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(addrs), found
}

// LookupAddr implements Names.
func (t *Table) LookupAddr(a netip.Addr) ([]string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var names []string
	for _, r := range t.recs {
		if len(r.names) > 0 && slices.Contains(r.addrs, a) {
			n := r.names[0]
			if t.Domain != "" {
				n += "." + t.Domain
			}
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, len(names) > 0
}

// Chain returns the Names that asks each of l in order, the first that
// knows the name answering: a container on several networks asks the
// tables of all of them.
func Chain(l ...Names) Names { return chain(l) }

type chain []Names

func (c chain) LookupHost(name string) ([]netip.Addr, bool) {
	for _, n := range c {
		if a, ok := n.LookupHost(name); ok {
			return a, true
		}
	}
	return nil, false
}

func (c chain) LookupAddr(a netip.Addr) ([]string, bool) {
	for _, n := range c {
		if names, ok := n.LookupAddr(a); ok {
			return names, true
		}
	}
	return nil, false
}
