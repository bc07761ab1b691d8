package distribution

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/opencontainers/go-digest"
)

// blobSource is a compressed blob of a layer as a registry holds it.
type blobSource struct {
	Digest    digest.Digest `json:"digest"`
	MediaType string        `json:"mediaType"`
	Size      int64         `json:"size"`
	Registry  string        `json:"registry"`
	Repo      string        `json:"repo"`
}

// blobMeta maps diff IDs to the compressed blobs known for them
// (blobs.json, rewritten whole through a temp file and rename). Losing it
// only costs re-uploads.
type blobMeta struct {
	path string
	mu   sync.Mutex
}

func newBlobMeta(path string) *blobMeta { return &blobMeta{path: path} }

func (m *blobMeta) load() map[digest.Digest][]blobSource {
	out := map[digest.Digest][]blobSource{}
	if data, err := os.ReadFile(m.path); err == nil {
		_ = json.Unmarshal(data, &out)
	}
	return out
}

// get returns the known blobs of diffID.
func (m *blobMeta) get(diffID digest.Digest) []blobSource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load()[diffID]
}

// add records src for diffID (newest first, at most 8 per layer).
func (m *blobMeta) add(diffID digest.Digest, src blobSource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.load()
	list := []blobSource{src}
	for _, s := range all[diffID] {
		if s != src && len(list) < 8 {
			list = append(list, s)
		}
	}
	all[diffID] = list
	data, err := json.Marshal(all)
	if err != nil {
		return
	}
	tmp := m.path + ".tmp"
	if os.WriteFile(tmp, data, 0o600) == nil {
		_ = os.Rename(tmp, m.path)
	}
}
