package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// tlsOptions are dockerd's TLS flags for TCP hosts.
type tlsOptions struct {
	enable, verify bool
	ca, cert, key  string
}

// config returns the server TLS config, or nil when TLS is off.
func (t tlsOptions) config() (*tls.Config, error) {
	if !t.enable && !t.verify {
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
