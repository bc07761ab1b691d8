package network

// A handover moves a published host port from one container to another
// without a moment where the port refuses connections: the new container
// starts sharing the port (its endpoint waits, TakesOver), and once it is
// ready TakeOver makes the port its own and switches the DNAT rules to it
// in one nftables transaction. Connections already established with the
// old container keep going there (conntrack keeps their translation) until
// it stops; new ones reach the new container.

// heldBy reports whether the fixed host port pr asks for is reserved by
// an endpoint of container from.
func (m *Manager) heldBy(pr PortRequest, from string) bool {
	if from == "" || pr.HostPortStart == 0 || pr.HostPortStart != pr.HostPortEnd {
		return false
	}
	old := m.endpointByID(m.owner[portKey(pr.Proto, pr.HostIP, pr.HostPortStart)])
	return old != nil && old.ContainerID == from
}

// endpointByID returns the endpoint with that ID, or nil.
func (m *Manager) endpointByID(id string) *Endpoint {
	if id == "" {
		return nil
	}
	for _, e := range m.eps {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// TakeOver gives the container's waiting endpoints the host ports they
// share with the container they take over from, and rewrites the rules:
// from then on new connections to those ports reach this container.
func (m *Manager) TakeOver(containerID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.takeOverLocked(func(ep *Endpoint) bool { return ep.ContainerID == containerID }) {
		return nil
	}
	return m.applyLocked()
}

// takeOverLocked completes the handovers of the waiting endpoints that
// match and reports whether there was one; the caller applies the rules.
// A port the old container no longer holds is reserved again.
func (m *Manager) takeOverLocked(match func(*Endpoint) bool) bool {
	done := false
	for _, ep := range m.eps {
		if ep.TakesOver == "" || !match(ep) {
			continue
		}
		for _, p := range ep.Ports {
			k := portKey(p.Proto, p.HostIP, p.HostPort)
			old := m.endpointByID(m.owner[k])
			switch {
			case old != nil && old.ContainerID == ep.TakesOver:
				m.owner[k] = ep.ID
				m.view.Lock()
				old.HandedOver = true
				m.view.Unlock()
				m.saveEndpoint(old)
			case old == nil:
				if _, _, err := m.reservePort(PortRequest{Proto: p.Proto, HostIP: p.HostIP, HostPortStart: p.HostPort, HostPortEnd: p.HostPort}, ep.ID); err != nil {
					m.log.Warn("take over a published port", "container", ep.ContainerID, "port", p.HostPort, "err", err)
				}
			}
		}
		m.view.Lock()
		ep.TakesOver = ""
		m.view.Unlock()
		m.saveEndpoint(ep)
		done = true
	}
	return done
}

// saveEndpoint writes an endpoint's record (a failure is logged: the
// record only serves a daemon restart).
func (m *Manager) saveEndpoint(ep *Endpoint) {
	key := ep.ContainerID + "/" + ep.NetworkID
	if err := m.epdb.Put(bucketEndpoints, key, ep); err != nil {
		m.log.Warn("save endpoint record", "key", key, "err", err)
	}
}

// inheritLocked completes at once the handovers from a container whose
// ports are being freed before its successor is ready (it stopped or left
// the network): the port then serves the successor rather than nobody.
func (m *Manager) inheritLocked(containerID string) bool {
	return m.takeOverLocked(func(ep *Endpoint) bool { return ep.TakesOver == containerID })
}

// hasRules reports whether an endpoint's ports get DNAT rules: not while
// it waits to take them over, nor once it handed them over.
func (ep *Endpoint) hasRules() bool { return ep.TakesOver == "" && !ep.HandedOver }

// HandedOverPorts returns the container ports published through the
// container's endpoint on network netID when it handed them over to
// another container (nil otherwise): the ports whose connections drain
// before the endpoint goes.
func (m *Manager) HandedOverPorts(containerID, netID string) []uint16 {
	m.view.RLock()
	defer m.view.RUnlock()
	ep, ok := m.eps[containerID+"/"+netID]
	if !ok || !ep.HandedOver {
		return nil
	}
	var out []uint16
	for _, p := range ep.Ports {
		if p.Proto == "tcp" {
			out = append(out, p.ContainerPort)
		}
	}
	return out
}
