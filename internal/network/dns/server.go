package dns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// Names answers the names a server is authoritative for. Both methods are
// called on every query, from several goroutines at once.
type Names interface {
	// LookupHost returns the addresses of name (lower case, no trailing
	// dot). ok reports whether the name is known here: a known name with no
	// address of the asked family gets an empty answer; an unknown name is
	// forwarded.
	LookupHost(name string) (addrs []netip.Addr, ok bool)
	// LookupAddr returns the names of addr (no trailing dot) for reverse
	// (PTR) questions; ok false forwards the question.
	LookupAddr(addr netip.Addr) (names []string, ok bool)
}

// NamesFunc adapts two functions to Names; either may be nil (never found).
func NamesFunc(host func(name string) ([]netip.Addr, bool), addr func(netip.Addr) ([]string, bool)) Names {
	return namesFunc{host, addr}
}

type namesFunc struct {
	host func(string) ([]netip.Addr, bool)
	addr func(netip.Addr) ([]string, bool)
}

func (f namesFunc) LookupHost(name string) ([]netip.Addr, bool) {
	if f.host == nil {
		return nil, false
	}
	return f.host(name)
}

func (f namesFunc) LookupAddr(a netip.Addr) ([]string, bool) {
	if f.addr == nil {
		return nil, false
	}
	return f.addr(a)
}

// Config configures a Server.
type Config struct {
	// Names answers the local names; nil forwards everything.
	Names Names
	// Upstreams are asked, in order, every question Names does not know.
	// None: such questions get SERVFAIL (an --internal network).
	Upstreams []netip.AddrPort
	// MayForward, when set, is asked before each forward: false answers
	// SERVFAIL without asking any upstream. It follows the container's
	// networks as they change (a container left with only --internal
	// networks forwards nothing, CVE-2024-29018).
	MayForward func() bool
	// Timeout bounds one exchange with one upstream; default 4s.
	Timeout time.Duration
	// Logger gets forwarding failures at debug level; default slog.Default.
	Logger *slog.Logger
}

// ListenAddr is where containers find the embedded server, as with Docker.
var ListenAddr = netip.MustParseAddrPort("127.0.0.11:53")

// TTL is the time to live of the local answers, as Docker's.
const TTL = 600

// maxForward bounds the questions being forwarded at once, so a container
// cannot make the daemon open sockets without limit.
const maxForward = 512

// Server is one embedded DNS server: a udp and a tcp listener on the same
// address, usually 127.0.0.11:53 inside one network namespace.
type Server struct {
	cfg  Config
	log  *slog.Logger
	sem  chan struct{}
	mu   sync.Mutex
	srvs []*mdns.Server
	addr netip.AddrPort
	used bool
}

// New returns a server that is not listening yet.
func New(cfg Config) *Server {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 4 * time.Second
	}
	if cfg.Names == nil {
		cfg.Names = NamesFunc(nil, nil)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg.Upstreams = append([]netip.AddrPort(nil), cfg.Upstreams...)
	return &Server{cfg: cfg, log: log, sem: make(chan struct{}, maxForward)}
}

// Listen serves on addr ("127.0.0.1:0" picks a free port, the same for udp
// and tcp) in the calling process's own network namespace. Tests use it;
// containers get ListenNetns.
func (s *Server) Listen(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("dns: listen address %q: %w", addr, err)
	}
	var lastErr error
	for range 10 {
		pc, ln, err := listenPair(ap)
		if err == nil {
			return s.serve(pc, ln)
		}
		lastErr = err
		if ap.Port() != 0 {
			break
		}
	}
	return lastErr
}

// listenPair opens udp then tcp on ap; with port 0, tcp takes the port
// udp got.
func listenPair(ap netip.AddrPort) (*net.UDPConn, *net.TCPListener, error) {
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, nil, fmt.Errorf("dns: listen udp %s: %w", ap, err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr(), port)))
	if err != nil {
		pc.Close()
		return nil, nil, fmt.Errorf("dns: listen tcp %s: %w", ap, err)
	}
	return pc, ln, nil
}

// serve starts answering on the open sockets and returns once both serve.
func (s *Server) serve(pc *net.UDPConn, ln *net.TCPListener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used {
		pc.Close()
		ln.Close()
		return errors.New("dns: server already listened")
	}
	s.used = true
	s.addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
	udp := &mdns.Server{PacketConn: pc, Handler: s}
	tcp := &mdns.Server{Listener: ln, Handler: s, ReadTimeout: 5 * time.Second}
	s.srvs = []*mdns.Server{udp, tcp}
	// Wait until both serve (so that Close finds them started), or until
	// one failed before serving.
	var wg sync.WaitGroup
	wg.Add(len(s.srvs))
	for _, srv := range s.srvs {
		var once sync.Once
		srv.NotifyStartedFunc = func() { once.Do(wg.Done) }
		go func() {
			if err := srv.ActivateAndServe(); err != nil {
				s.log.Debug("dns: server stopped", "addr", s.addr, "err", err)
			}
			once.Do(wg.Done)
		}()
	}
	wg.Wait()
	return nil
}

// Addr returns the address of the udp listener (valid after Listen or
// ListenNetns). With Listen tcp has the same port; with ListenNetns the
// ports are free ones behind RedirectTable (tcp's may differ) and clients
// ask ListenAddr.
func (s *Server) Addr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Close stops serving and closes the sockets; questions being forwarded
// finish on their own. Close is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	srvs := s.srvs
	s.srvs = nil
	s.used = true
	s.mu.Unlock()
	var errs []error
	for _, srv := range srvs {
		if err := srv.Shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ServeDNS answers one question: locally when Names knows it, else through
// the upstreams.
func (s *Server) ServeDNS(w mdns.ResponseWriter, r *mdns.Msg) {
	if len(r.Question) != 1 {
		m := new(mdns.Msg).SetRcode(r, mdns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	if m := s.local(r); m != nil {
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			size := mdns.MinMsgSize
			if o := r.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
			m.Truncate(size)
		}
		_ = w.WriteMsg(m)
		return
	}
	_ = w.WriteMsg(s.forward(r, w.RemoteAddr().Network()))
}

// local returns the answer to r if Names knows its name, else nil.
func (s *Server) local(r *mdns.Msg) *mdns.Msg {
	q := r.Question[0]
	if q.Qclass != mdns.ClassINET {
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	var rrs []mdns.RR
	if q.Qtype == mdns.TypePTR {
		a, ok := reverseAddr(name)
		if !ok {
			return nil
		}
		names, ok := s.cfg.Names.LookupAddr(a)
		if !ok {
			return nil
		}
		for _, n := range names {
			rrs = append(rrs, &mdns.PTR{Hdr: hdr(q, mdns.TypePTR), Ptr: mdns.Fqdn(n)})
		}
		return reply(r, rrs)
	}
	addrs, ok := s.cfg.Names.LookupHost(name)
	if !ok {
		return nil
	}
	for _, a := range addrs {
		a = a.Unmap()
		any := q.Qtype == mdns.TypeANY
		switch {
		case (q.Qtype == mdns.TypeA || any) && a.Is4():
			rrs = append(rrs, &mdns.A{Hdr: hdr(q, mdns.TypeA), A: a.AsSlice()})
		case (q.Qtype == mdns.TypeAAAA || any) && a.Is6():
			rrs = append(rrs, &mdns.AAAA{Hdr: hdr(q, mdns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
	// Any other type of a known name (MX, TXT…): no data, not forwarded,
	// since upstreams do not know the name.
	return reply(r, rrs)
}

func hdr(q mdns.Question, t uint16) mdns.RR_Header {
	return mdns.RR_Header{Name: q.Name, Rrtype: t, Class: mdns.ClassINET, Ttl: TTL}
}

func reply(r *mdns.Msg, rrs []mdns.RR) *mdns.Msg {
	m := new(mdns.Msg).SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = true
	m.Compress = true
	m.Answer = rrs
	return m
}

// reverseAddr parses a name under in-addr.arpa or ip6.arpa.
func reverseAddr(name string) (netip.Addr, bool) {
	if v4, ok := strings.CutSuffix(name, ".in-addr.arpa"); ok {
		p := strings.Split(v4, ".")
		if len(p) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(p[3] + "." + p[2] + "." + p[1] + "." + p[0])
		return a, err == nil
	}
	if v6, ok := strings.CutSuffix(name, ".ip6.arpa"); ok {
		p := strings.Split(v6, ".")
		if len(p) != 32 {
			return netip.Addr{}, false
		}
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			if len(p[i]) != 1 {
				return netip.Addr{}, false
			}
			b.WriteString(p[i])
			if i%4 == 0 && i != 0 {
				b.WriteByte(':')
			}
		}
		a, err := netip.ParseAddr(b.String())
		return a, err == nil
	}
	return netip.Addr{}, false
}
