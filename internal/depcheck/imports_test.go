package depcheck

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/berth/berth/"

// forbidden lists, per package prefix, the berth packages it must never
// depend on, directly or not. It mirrors the ownership table of DESIGN.md.
var forbidden = map[string][]string{
	// The runtime knows nothing of the engine.
	"internal/runtime": {"internal/daemon", "internal/server", "internal/cli", "internal/image", "internal/container", "internal/shim", "internal/snapshot", "internal/network", "internal/volume"},
	// Routers see API types and errdefs, never the daemon.
	"internal/server": {"internal/daemon", "internal/runtime", "internal/cli"},
	// Clients reach the engine only through the API.
	"internal/cli":     {"internal/daemon", "internal/server", "internal/runtime", "internal/image", "internal/container", "internal/snapshot", "internal/shim"},
	"internal/compose": {"internal/daemon", "internal/server", "internal/runtime", "internal/cli"},
	// The daemon never imports the runtime: it runs it through the shim.
	"internal/daemon": {"internal/runtime", "internal/cli", "internal/shim"},
	// Pure spec generation and the domain leaves.
	"internal/oci":        {"internal/daemon", "internal/runtime", "internal/server"},
	"internal/shim":       {"internal/daemon", "internal/runtime", "internal/server", "internal/cli"},
	"internal/shimclient": {"internal/daemon", "internal/runtime", "internal/server", "internal/cli"},
	"internal/content":    {"internal/"},
	"internal/errdefs":    {"internal/"},
	"internal/recovery":   {"internal/"},
	"internal/logger":     {"internal/daemon", "internal/server", "internal/runtime"},
	"internal/image":      {"internal/daemon", "internal/server", "internal/runtime", "internal/container"},
	"internal/snapshot":   {"internal/daemon", "internal/server", "internal/runtime", "internal/image", "internal/container"},
	"internal/container":  {"internal/daemon", "internal/server", "internal/runtime"},
	// Network leaves import no engine package.
	"internal/network/dns": {"internal/"},
	// The network leaves know nothing of each other; only internal/network
	// combines them, with the store.
	"internal/network/ipam":     {"internal/"},
	"internal/network/bridge":   {"internal/"},
	"internal/network/firewall": {"internal/"},
	"internal/network":          {"internal/daemon", "internal/server", "internal/runtime", "internal/cli", "internal/container", "internal/image", "internal/snapshot", "internal/shim"},
	"internal/volume":           {"internal/daemon", "internal/server", "internal/runtime", "internal/cli", "internal/container", "internal/image", "internal/snapshot"},
	// Registries know blobs and names, not images or snapshots.
	"internal/distribution": {"internal/daemon", "internal/server", "internal/runtime", "internal/image", "internal/snapshot", "internal/container", "internal/cli"},
	// The builder sees only its own Backend and API types (and the
	// archive leaf's entry-name checks, allowed below).
	"internal/builder": {"internal/"},
}

// allowed names, per package prefix, the one leaf it may use despite a
// forbidden "internal/": the builder checks ADD archives' entry names
// with the same rules as every layer (archive.CheckEntry).
var allowed = map[string]string{
	"internal/builder": "internal/archive",
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		n++
		self := strings.TrimPrefix(p.ImportPath, module)
		for prefix, bad := range forbidden {
			if !under(self, prefix) {
				continue
			}
			for _, d := range p.Deps {
				dep, ok := strings.CutPrefix(d, module)
				if !ok || under(dep, prefix) || dep == "internal/errdefs" || dep == "internal/recovery" || dep == allowed[prefix] { // leaves every package may use
					continue
				}
				for _, b := range bad {
					if under(dep, strings.TrimSuffix(b, "/")) || (strings.HasSuffix(b, "/") && strings.HasPrefix(dep, b)) {
						t.Errorf("%s must not depend on %s (DESIGN.md ownership table)", self, dep)
					}
				}
			}
		}
	}
	if n < 5 {
		t.Fatalf("go list returned %d packages; expected the whole module", n)
	}
}

// under reports whether package path p is prefix or inside it.
func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
