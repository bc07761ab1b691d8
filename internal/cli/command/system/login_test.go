package system_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/registry"
)

func TestLoginStoresCredentialsUsedByPush(t *testing.T) {
	f := clitest.New(t)
	dir := t.TempDir()
	f.Env = map[string]string{"DOCKER_CONFIG": dir}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"credsStore":"","other":{"keep":true}}`), 0o600)
	f.Handle("POST /auth", clitest.JSON(registry.AuthResponse{Status: "Login Succeeded"}))
	out, errOut, code := f.Run("s3cret\n", "login", "-u", "me", "--password-stdin", "reg.local:5000")
	if code != 0 || out != "Login Succeeded\n" {
		t.Fatalf("login: %d %q %q", code, out, errOut)
	}
	if body := string(f.Find("POST", "/auth")[0].Body); !strings.Contains(body, `"username":"me"`) || !strings.Contains(body, `"password":"s3cret"`) {
		t.Fatalf("auth body %s", body)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	var cfg map[string]json.RawMessage
	json.Unmarshal(data, &cfg)
	if _, ok := cfg["other"]; !ok || !strings.Contains(string(cfg["auths"]), base64.StdEncoding.EncodeToString([]byte("me:s3cret"))) {
		t.Fatalf("config.json %s", data)
	}

	var sentAuth string
	f.Handle("POST /images/reg.local:5000/app/push", func(w http.ResponseWriter, r *http.Request) {
		sentAuth = r.Header.Get("X-Registry-Auth")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"pushed"}` + "\n"))
	})
	if _, errOut, code := f.Run("", "push", "reg.local:5000/app:v1"); code != 0 {
		t.Fatalf("push: %d %s", code, errOut)
	}
	dec, _ := base64.URLEncoding.DecodeString(sentAuth)
	if !strings.Contains(string(dec), `"username":"me"`) || !strings.Contains(string(dec), `"serveraddress":"reg.local:5000"`) {
		t.Fatalf("push auth header %q (%s)", sentAuth, dec)
	}
	f.WantOut(t, "Removing login credentials for reg.local:5000\n", "logout", "reg.local:5000")
	if data, _ := os.ReadFile(filepath.Join(dir, "config.json")); strings.Contains(string(data), "reg.local") {
		t.Fatalf("credentials left after logout: %s", data)
	}
}
