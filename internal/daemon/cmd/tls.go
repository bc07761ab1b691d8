package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// tlsOptions are dockerd's TLS flags for TCP hosts. As in dockerd,
// --tlsverify given at all (even =false) turns TLS on, and only an explicit
// --tls=false lets a TCP host go without TLS.
type tlsOptions struct {
	enable, verify bool
	verifySet      bool // --tlsverify (or "tlsverify") given, whatever its value
	disabled       bool // --tls=false (or "tls": false) given explicitly
	ca, cert, key  string
}

// config returns the server TLS config, or nil when TLS is off.
func (t tlsOptions) config() (*tls.Config, error) {
	if !t.enable && !t.verify && !t.verifySet {
		return nil, nil
	}
	if t.cert == "" || t.key == "" {
		return nil, errors.New("--tls and --tlsverify need --tlscert and --tlskey")
	}
	pair, err := tls.LoadX509KeyPair(t.cert, t.key)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s: %w", t.cert, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if t.verify {
		if t.ca == "" {
			return nil, errors.New("--tlsverify needs --tlscacert")
		}
		data, err := os.ReadFile(t.ca)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA %s: %w", t.ca, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("no certificate found in %s", t.ca)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// checkTCPAuth refuses a TCP host served without TLS unless TLS was
// explicitly disabled (dockerd 27+: unauthenticated TCP needs --tls=false).
func checkTCPAuth(hosts []string, tlsCfg *tls.Config, t tlsOptions) error {
	if tlsCfg != nil || t.disabled {
		return nil
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "tcp://") {
			return fmt.Errorf("binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network (host %s): refusing to start; use --tlsverify (with --tlscacert, --tlscert, --tlskey), or specify --tls=false explicitly to serve it without TLS", h)
		}
	}
	return nil
}
