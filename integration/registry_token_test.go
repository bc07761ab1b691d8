package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tokenServer is a Docker token server (the Bearer flow of Docker Hub):
// it checks basic credentials and issues ES256 JWTs, signed by a key whose
// self-signed certificate the registry trusts, for the scopes asked.
type tokenServer struct {
	url    string
	bundle string // path of the certificate bundle for the registry
}

// startTokenServer serves the token endpoint at /token on l and proxies
// everything else to the registry *upstream (set before the first request):
// ggcr, like Docker's hardening, accepts a realm on a private address only
// on the registry's own host:port.
func startTokenServer(t *testing.T, l net.Listener, user, password string, upstream *string) *tokenServer {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "bt token signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := &tokenServer{bundle: filepath.Join(t.TempDir(), "token.pem")}
	mustWrite(t, ts.bundle, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	ts.url = "http://" + l.Addr().String() + "/token"
	b64 := base64.RawURLEncoding.EncodeToString
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/token" {
			u, _ := url.Parse("http://" + *upstream)
			httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
			return
		}
		u, p, ok := r.BasicAuth()
		if ok && (u != user || p != password) || !ok && r.URL.Query().Get("scope") == "" {
			http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
			return
		}
		var access []map[string]any
		for _, sc := range r.URL.Query()["scope"] {
			parts := strings.Split(sc, ":")
			if len(parts) != 3 {
				continue
			}
			actions := []string{"pull"}
			if ok { // anonymous users may only pull
				actions = strings.Split(parts[2], ",")
			}
			access = append(access, map[string]any{"type": parts[0], "name": parts[1], "actions": actions})
		}
		now := time.Now().Unix()
		header, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "x5c": []string{base64.StdEncoding.EncodeToString(der)}})
		claims, _ := json.Marshal(map[string]any{
			"iss": "bt-issuer", "sub": u, "aud": "bt-registry", "exp": now + 300, "nbf": now - 10, "iat": now,
			"jti": randHex(8), "access": access,
		})
		signing := b64(header) + "." + b64(claims)
		sum := sha256.Sum256([]byte(signing))
		rr, ss, err := ecdsa.Sign(rand.Reader, key, sum[:])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sig := make([]byte, 64)
		rr.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
		tok := signing + "." + b64(sig)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ts
}

// TestRegistryTokenAuth: a registry with Docker's Bearer token auth; login
// checks the password at the token server, push and pull carry tokens.
func TestRegistryTokenAuth(t *testing.T) {
	forEachCLI(t, func(t *testing.T, cli string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var upstream string
		ts := startTokenServer(t, l, "bt-user", "tok3n", &upstream)
		reg := startRegistry(t, registryOpts{tokenRealm: ts.url, tokenCerts: ts.bundle})
		upstream = reg.host
		front := l.Addr().String()
		d := startDaemonCLI(t, cli)
		ref := front + "/bt/token:1"
		d.makeLayeredImage(ref, 128)
		if out, code := d.docker("", "push", ref); code == 0 {
			t.Fatalf("anonymous push succeeded:\n%s", out)
		}
		if out, code := d.docker("", "login", "-u", "bt-user", "-p", "wrong", front); code == 0 {
			t.Fatalf("login with a wrong password succeeded:\n%s", out)
		}
		d.mustCLI("login", "-u", "bt-user", "-p", "tok3n", front)
		d.mustCLI("push", ref)
		d.removeAllImages()
		d.mustCLI("pull", ref)
		if out := d.mustCLI("run", "--rm", ref, "cat", "/l0"); out != "layer0\n" {
			t.Fatalf("run: %q", out)
		}
	})
}
