package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// writeCert makes a certificate signed by parent (self-signed when nil)
// and writes cert and key PEM files under dir.
func writeCert(t *testing.T, dir, name string, isCA, server bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	mustWrite(t, filepath.Join(dir, name+".pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	mustWrite(t, filepath.Join(dir, name+"-key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	return cert, key
}

// TestTLSVerify serves the API on TCP with --tlsverify: a client with a
// certificate from the CA gets in, one without is refused.
func TestTLSVerify(t *testing.T) {
	d := startDaemon(t)
	dir := t.TempDir()
	ca, caKey := writeCert(t, dir, "ca", true, false, nil, nil)
	writeCert(t, dir, "server", false, true, ca, caKey)
	writeCert(t, dir, "client", false, false, ca, caKey)
	d.stop()
	d.args = append(d.args, "-H", "tcp://127.0.0.1:0", "--tlsverify", "--tlscacert", dir+"/ca.pem",
		"--tlscert", dir+"/server.pem", "--tlskey", dir+"/server-key.pem")
	d.start(nil)
	data, _ := os.ReadFile(d.logPath)
	m := regexp.MustCompile(`API listening" addr=(127\.0\.0\.1:[0-9]+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no TCP listener in the log:\n%s", data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	good, err := client.New(client.WithHost("tcp://"+string(m[1])), client.WithTLSClientConfig(dir+"/ca.pem", dir+"/client.pem", dir+"/client-key.pem"), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if _, err := good.Ping(ctx, client.PingOptions{}); err != nil {
		t.Fatalf("ping with a client certificate: %v", err)
	}
	bad, err := client.New(client.WithHost("tcp://"+string(m[1])), client.WithTLSClientConfig(dir+"/ca.pem", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if _, err := bad.ServerVersion(ctx, client.ServerVersionOptions{}); err == nil {
		t.Fatal("a client without certificate was served")
	}
}
