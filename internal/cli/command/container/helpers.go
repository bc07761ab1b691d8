package container

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/moby/moby/api/types/container"
)

// renderTop prints "top" output as docker does.
func renderTop(out io.Writer, titles []string, procs [][]string) error {
	w := tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
	fmt.Fprintln(w, strings.Join(titles, "\t"))
	for _, p := range procs {
		fmt.Fprintln(w, strings.Join(p, "\t"))
	}
	return w.Flush()
}

// portLines renders the published ports of a container ("80/tcp ->
// 0.0.0.0:8080"), only those of filter ("80/tcp") when not empty.
func portLines(ns *container.NetworkSettings, filter string) ([]string, bool) {
	if ns == nil {
		return nil, false
	}
	var keys []string
	for p := range ns.Ports {
		keys = append(keys, p.String())
	}
	sort.Slice(keys, func(i, j int) bool { return portLess(keys[i], keys[j]) })
	var lines []string
	found := false
	for _, k := range keys {
		if filter != "" && k != filter {
			continue
		}
		for p, bindings := range ns.Ports {
			if p.String() != k {
				continue
			}
			for _, b := range bindings {
				found = true
				ip := "0.0.0.0"
				if b.HostIP.IsValid() {
					ip = b.HostIP.String()
				}
				host := ip + ":" + b.HostPort
				if b.HostIP.Is6() {
					host = "[" + ip + "]:" + b.HostPort
				}
				if filter != "" {
					lines = append(lines, host)
				} else {
					lines = append(lines, k+" -> "+host)
				}
			}
		}
	}
	return lines, found
}

func portLess(a, b string) bool {
	var pa, pb int
	fmt.Sscanf(a, "%d", &pa)
	fmt.Sscanf(b, "%d", &pb)
	if pa != pb {
		return pa < pb
	}
	return a < b
}

// stripSlash removes the leading "/" docker keeps in container names.
func stripSlash(s string) string { return strings.TrimPrefix(s, "/") }
