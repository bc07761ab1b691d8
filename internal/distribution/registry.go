package distribution

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/internal/errdefs"
)

// Config is the registry part of the daemon configuration.
type Config struct {
	// Root holds partial downloads and blob metadata.
	Root string
	// MaxConcurrentDownloads and MaxConcurrentUploads bound the layers
	// moved at once per pull or push (Docker's defaults 3 and 5).
	MaxConcurrentDownloads, MaxConcurrentUploads int
	// InsecureRegistries may be reached over plain HTTP (and HTTPS without
	// verification): host[:port] or CIDR. 127.0.0.0/8 always is.
	InsecureRegistries []string
	// Mirrors are tried, in order, before docker.io (https://host[:port]).
	Mirrors []string
	// CertsDir holds per-registry TLS material as Docker's certs.d:
	// CertsDir/host[:port]/*.crt (CAs), *.cert + *.key (client pairs).
	CertsDir string
	// UserAgent is sent to registries.
	UserAgent string
}

// Auth is a registry login (the decoded X-Registry-Auth header).
type Auth struct {
	Username, Password, IdentityToken, RegistryToken string
}

// Service talks to registries for one daemon.
type Service struct {
	cfg   Config
	cfgMu sync.RWMutex // guards the fields of cfg that Reload changes
	locks keyedMutex   // per blob digest: one download or upload at a time
	meta  *blobMeta
}

// New returns the registry service with its state under cfg.Root.
func New(cfg Config) (*Service, error) {
	cfg = cfg.WithDefaults()
	if cfg.CertsDir == "" {
		cfg.CertsDir = "/etc/berth/certs.d"
	}
	if err := os.MkdirAll(filepath.Join(cfg.Root, "partial"), 0o700); err != nil {
		return nil, fmt.Errorf("create distribution dir: %w", err)
	}
	cleanPartials(filepath.Join(cfg.Root, "partial"), 7*24*time.Hour)
	return &Service{cfg: cfg, meta: newBlobMeta(filepath.Join(cfg.Root, "blobs.json"))}, nil
}

// Reload takes the settings of n that dockerd reloads live: the layers
// moved at once, the insecure registries and the mirrors. Pulls and pushes
// under way keep the settings they began with.
func (s *Service) Reload(n Config) {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	n = n.WithDefaults()
	s.cfg.MaxConcurrentDownloads, s.cfg.MaxConcurrentUploads = n.MaxConcurrentDownloads, n.MaxConcurrentUploads
	s.cfg.InsecureRegistries, s.cfg.Mirrors = n.InsecureRegistries, n.Mirrors
}

// config returns the settings as they are now.
func (s *Service) config() Config {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.cfg
}

// cleanPartials removes partial downloads older than age.
func cleanPartials(dir string, age time.Duration) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// insecure reports whether host[:port] may be reached over plain HTTP.
func (s *Service) insecure(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	for _, r := range s.config().InsecureRegistries {
		r = strings.TrimPrefix(strings.TrimPrefix(r, "http://"), "https://")
		if r == host || r == h {
			return true
		}
		if _, n, err := net.ParseCIDR(r); err == nil && ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// registry returns the ggcr registry for host, insecure when allowed.
func (s *Service) registry(host string) (name.Registry, error) {
	var opts []name.Option
	if s.insecure(host) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRegistry(host, opts...)
	if err != nil {
		return name.Registry{}, errdefs.InvalidParameter(fmt.Errorf("invalid registry %q: %w", host, err))
	}
	return r, nil
}

// baseTransport is the HTTP transport for host: TLS trust from certs.d,
// and no plain HTTP unless the registry is insecure.
func (s *Service) baseTransport(host string) (http.RoundTripper, error) {
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12}
	insecure := s.insecure(host)
	if insecure {
		tcfg.InsecureSkipVerify = true //nolint:gosec // insecure-registries, as Docker
	}
	dir := filepath.Join(s.cfg.CertsDir, host)
	if ents, err := os.ReadDir(dir); err == nil && !strings.Contains(host, "/") && !strings.Contains(host, "..") {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			switch {
			case strings.HasSuffix(e.Name(), ".crt"):
				data, err := os.ReadFile(p)
				if err != nil {
					return nil, fmt.Errorf("read CA %s: %w", p, err)
				}
				if !pool.AppendCertsFromPEM(data) {
					return nil, fmt.Errorf("read CA %s: no certificate found", p)
				}
				tcfg.RootCAs = pool
				// A CA configured for the registry is always checked, even
				// for a registry that may be reached insecurely.
				tcfg.InsecureSkipVerify = false
			case strings.HasSuffix(e.Name(), ".cert"):
				key := strings.TrimSuffix(p, ".cert") + ".key"
				pair, err := tls.LoadX509KeyPair(p, key)
				if err != nil {
					return nil, fmt.Errorf("load client certificate %s: %w", p, err)
				}
				tcfg.Certificates = append(tcfg.Certificates, pair)
			}
		}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tcfg
	t.MaxIdleConnsPerHost = 16
	t.ResponseHeaderTimeout = 60 * time.Second
	// With a CA configured the registry speaks TLS: no plain HTTP fallback.
	return &schemeGuard{inner: t, host: host, allowHTTP: insecure && tcfg.RootCAs == nil}, nil
}

// schemeGuard refuses plain HTTP to registries that are not insecure
// (ggcr itself would allow it for every private address).
type schemeGuard struct {
	inner     http.RoundTripper
	host      string
	allowHTTP bool
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allowHTTP && req.URL.Host == g.host {
		return nil, fmt.Errorf("plain HTTP to registry %s refused: it is not an insecure registry or it has a CA in certs.d", g.host)
	}
	return g.inner.RoundTrip(req)
}

// authenticator turns a login into ggcr's form.
func authenticator(a Auth) authn.Authenticator {
	if a == (Auth{}) {
		return authn.Anonymous
	}
	return authn.FromConfig(authn.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken})
}

// transport returns an authenticated round tripper for repo with scopes
// (the registry is pinged and a token fetched once).
func (s *Service) transport(ctx context.Context, repo name.Repository, auth Auth, push bool) (http.RoundTripper, error) {
	base, err := s.baseTransport(repo.RegistryStr())
	if err != nil {
		return nil, err
	}
	scopes := []string{repo.Scope(transport.PullScope)}
	if push {
		scopes = []string{repo.Scope(transport.PushScope)}
	}
	if s.cfg.UserAgent != "" {
		base = transport.NewUserAgent(base, s.cfg.UserAgent)
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, authenticator(auth), base, scopes)
	if err != nil {
		return nil, translate(err, repo.String(), push)
	}
	return rt, nil
}

// Login checks user credentials against server (host[:port], a URL, or
// Docker Hub's https://index.docker.io/v1/) and returns the registry host.
func (s *Service) Login(ctx context.Context, server string, auth Auth) (string, error) {
	host := RegistryHost(server)
	reg, err := s.registry(host)
	if err != nil {
		return "", err
	}
	base, err := s.baseTransport(reg.RegistryStr())
	if err != nil {
		return "", err
	}
	rt, err := transport.NewWithContext(ctx, reg, authenticator(auth), base, []string{reg.Scope("")})
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
			return "", errdefs.Unauthorized(fmt.Errorf("login attempt to %s failed: unauthorized: incorrect username or password", host))
		}
		return "", errdefs.Unavailable(fmt.Errorf("login to %s: %w", host, err))
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+reg.RegistryStr()+"/v2/", nil)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return "", errdefs.Unavailable(fmt.Errorf("login to %s: %w", host, err))
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return "", errdefs.Unauthorized(fmt.Errorf("login attempt to %s://%s/v2/ failed with status: %d %s", req.URL.Scheme, host, resp.StatusCode, http.StatusText(resp.StatusCode)))
	}
	if resp.StatusCode != http.StatusOK {
		return "", errdefs.Unavailable(fmt.Errorf("login to %s: unexpected status %s", host, resp.Status))
	}
	return host, nil
}

// RegistryHost returns host[:port] of a login server address; Docker Hub's
// names become index.docker.io.
func RegistryHost(server string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(server, "https://"), "http://")
	s, _, _ = strings.Cut(s, "/")
	if s == "" || s == "docker.io" || s == "index.docker.io" || s == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return s
}

// keyedMutex serialises work per key.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	ch   chan struct{}
	refs int
}

// entry returns key's entry, made when missing; k.mu is held.
func (k *keyedMutex) entry(key string) *keyedEntry {
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{ch: make(chan struct{}, 1)}
		k.m[key] = e
	}
	return e
}

// lock takes key's lock (or returns ctx's error) and returns its release.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	e := k.entry(key)
	e.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// tryLock takes key's lock if it is free.
func (k *keyedMutex) tryLock(key string) (func(), bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.entry(key)
	select {
	case e.ch <- struct{}{}:
	default:
		return nil, false
	}
	e.refs++
	return func() {
		<-e.ch
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}, true
}
