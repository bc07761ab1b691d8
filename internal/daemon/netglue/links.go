package netglue

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// LinkEnv returns the variables Docker gives a container on the default
// bridge for each of its legacy links (--link NAME:ALIAS): ALIAS_NAME, and
// for every port the linked container exposes ALIAS_PORT_<port>_<PROTO>
// (with _ADDR, _PORT and _PROTO), ALIAS_PORT for the lowest port (tcp
// first), and ALIAS_ENV_<var> for each of its variables but HOME and PATH.
// Links to containers without an address on the default bridge give none.
func (s *Service) LinkEnv(c *container.Container) []string {
	if nm := c.HostConfig.NetworkMode; !nm.IsBridge() && !nm.IsDefault() && nm != "" {
		return nil
	}
	var env []string
	for _, link := range c.HostConfig.Links {
		name, alias := parseLink(link)
		child, err := s.containers.Get(name)
		if err != nil || child == c {
			continue
		}
		addr := s.linkAddr(child)
		if !addr.IsValid() {
			continue
		}
		child.Lock()
		var ports []string
		for p := range child.Config.ExposedPorts {
			ports = append(ports, p.String())
		}
		childEnv := slices.Clone(child.Config.Env)
		child.Unlock()
		env = append(env, linkVars(path.Join("/", strings.TrimPrefix(c.Name, "/"), alias), alias, addr.String(), ports, childEnv)...)
	}
	return env
}

// InspectLinks shows a container's links as dockerd's inspect does:
// "/child:/parent/alias" (the child as the link named it).
func InspectLinks(parent string, links []string) []string {
	if len(links) == 0 {
		return nil
	}
	out := make([]string, 0, len(links))
	for _, l := range links {
		name, alias := parseLink(l)
		out = append(out, "/"+name+":"+path.Join("/", parent, alias))
	}
	return out
}

// linkVars formats the variables of one link named linkName (Docker's
// "/parent/alias") to a container at ip.
func linkVars(linkName, alias, ip string, ports, childEnv []string) []string {
	prefix := strings.ToUpper(strings.ReplaceAll(alias, "-", "_"))
	type port struct {
		num   int
		proto string
	}
	var ps []port
	for _, p := range ports {
		n, proto, ok := strings.Cut(p, "/")
		if !ok {
			proto = "tcp"
		}
		num, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		ps = append(ps, port{num, strings.ToLower(proto)})
	}
	slices.SortFunc(ps, func(a, b port) int {
		if a.num != b.num {
			return a.num - b.num
		}
		// The same number: tcp first, then by name.
		if (a.proto == "tcp") != (b.proto == "tcp") {
			if a.proto == "tcp" {
				return -1
			}
			return 1
		}
		return strings.Compare(a.proto, b.proto)
	})
	var env []string
	if len(ps) > 0 {
		env = append(env, fmt.Sprintf("%s_PORT=%s://%s:%d", prefix, ps[0].proto, ip, ps[0].num))
	}
	for _, p := range ps {
		v := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.num, strings.ToUpper(p.proto))
		env = append(env,
			fmt.Sprintf("%s=%s://%s:%d", v, p.proto, ip, p.num),
			fmt.Sprintf("%s_ADDR=%s", v, ip),
			fmt.Sprintf("%s_PORT=%d", v, p.num),
			fmt.Sprintf("%s_PROTO=%s", v, p.proto),
		)
	}
	env = append(env, prefix+"_NAME="+linkName)
	for _, kv := range childEnv {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "HOME" || k == "PATH" {
			continue
		}
		env = append(env, prefix+"_ENV_"+k+"="+v)
	}
	return env
}

// RemoveLink removes a legacy link (DELETE
// /containers/PARENT/ALIAS?link=1, `docker rm --link PARENT/ALIAS`): it
// leaves the parent's HostConfig.Links and, while the parent runs, its
// /etc/hosts. A name without a parent is the container's own name, which
// dockerd refuses to remove this way.
func (s *Service) RemoveLink(ctx context.Context, name string) error {
	name = strings.Trim(name, "/")
	parentName, alias := path.Split(name)
	parentName = strings.TrimSuffix(parentName, "/")
	if parentName == "" {
		if _, err := s.containers.Get(name); err != nil {
			return err
		}
		return errors.New("Conflict, cannot remove the default link name of the container")
	}
	noSuch := errdefs.NotFound(fmt.Errorf("No such container: %s", name))
	parent, err := s.containers.Get(parentName)
	if err != nil {
		return noSuch
	}
	parent.Lock()
	defer parent.Unlock()
	kept := parent.HostConfig.Links[:0:0]
	for _, l := range parent.HostConfig.Links {
		if _, a := parseLink(l); a != alias {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(parent.HostConfig.Links) {
		return noSuch
	}
	if len(kept) == 0 {
		kept = nil // inspect: null, as dockerd
	}
	parent.HostConfig.Links = kept
	if err := s.containers.Save(parent); err != nil {
		return err
	}
	if !parent.State.Running() {
		return nil
	}
	_, err = s.writeEtcFiles(parent, s.runningEtcNetwork(parent))
	return err
}

// runningEtcNetwork is what the name files of a running container need,
// read from its endpoints (setupNetwork made them at start).
func (s *Service) runningEtcNetwork(c *container.Container) etcNetwork {
	var en etcNetwork
	for i, e := range s.endpoints(c.ID) {
		en.Addrs = append(en.Addrs, e.Addr)
		en.Aliases = append(en.Aliases, e.Aliases...)
		if r, err := s.net.Get(e.NetworkID); err == nil && !r.Default && i == 0 {
			en.Embedded = true
		}
	}
	return en
}
