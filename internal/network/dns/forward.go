package dns

import (
	mdns "github.com/miekg/dns"
)

// forward asks the upstreams in order over proto ("udp" or "tcp", the
// protocol the question came in on, so that a truncated udp answer makes
// the client retry over tcp end to end). The first answer that is not
// SERVFAIL or REFUSED wins; such an answer is kept in case no other comes.
// The exchange runs on the daemon's ordinary threads, so it uses the
// daemon's network namespace and routes.
func (s *Server) forward(r *mdns.Msg, proto string) *mdns.Msg {
	if s.cfg.MayForward != nil && !s.cfg.MayForward() {
		m := new(mdns.Msg).SetRcode(r, mdns.RcodeServerFailure)
		m.RecursionAvailable = true
		return m
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		s.log.Debug("dns: too many questions being forwarded", "name", r.Question[0].Name)
		return new(mdns.Msg).SetRcode(r, mdns.RcodeServerFailure)
	}
	if proto != "tcp" {
		proto = "udp"
	}
	c := &mdns.Client{Net: proto, Timeout: s.cfg.Timeout}
	var fallback *mdns.Msg
	for _, up := range s.cfg.Upstreams {
		resp, _, err := c.Exchange(r, up.String())
		if err != nil {
			s.log.Debug("dns: forward", "upstream", up, "name", r.Question[0].Name, "err", err)
			continue
		}
		if resp.Rcode == mdns.RcodeServerFailure || resp.Rcode == mdns.RcodeRefused {
			if fallback == nil {
				fallback = resp
			}
			continue
		}
		return resp
	}
	if fallback != nil {
		return fallback
	}
	m := new(mdns.Msg).SetRcode(r, mdns.RcodeServerFailure)
	m.RecursionAvailable = true
	return m
}
