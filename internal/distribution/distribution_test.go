package distribution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dref "github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
)

// fakeLayers is a LayerStore that hashes what it is given.
type fakeLayers struct {
	mu      sync.Mutex
	have    map[digest.Digest]bool
	applied []digest.Digest
	tars    map[digest.Digest][]byte // with local: OpenLayer serves them
}

// localLayers is fakeLayers that also keeps layer tars by diff ID.
type localLayers struct{ *fakeLayers }

func (l localLayers) OpenLayer(_ context.Context, diffID digest.Digest) (io.ReadCloser, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.tars[diffID]
	if !ok {
		return nil, errdefs.NotFound(errors.New("no such layer"))
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeLayers) HasLayer(_ context.Context, chain digest.Digest) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.have[chain]
}

func (f *fakeLayers) ApplyLayer(_ context.Context, parent, diffID digest.Digest, r io.Reader) (digest.Digest, digest.Digest, error) {
	h := sha256.New()
	var buf bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(h, &buf), r); err != nil {
		return "", "", err
	}
	if got := digest.NewDigest(digest.SHA256, h); got != diffID {
		return "", "", fmt.Errorf("diff ID mismatch: %s != %s", got, diffID)
	}
	chain := chainOf(parent, diffID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if parent != "" && !f.have[parent] {
		return "", "", fmt.Errorf("parent %s not applied", parent)
	}
	f.have[chain] = true
	f.applied = append(f.applied, diffID)
	if f.tars == nil {
		f.tars = map[digest.Digest][]byte{}
	}
	f.tars[diffID] = buf.Bytes()
	return diffID, chain, nil
}

// testRegistry serves ggcr's in-memory registry through hook.
func testRegistry(t *testing.T, hook func(w http.ResponseWriter, r *http.Request, next http.Handler)) (string, v1.Image) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook != nil {
			hook(w, r, reg)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(300<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/bt/img:1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return host, img
}

func newService(t *testing.T) *Service {
	t.Helper()
	s, err := New(Config{Root: t.TempDir(), CertsDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pull(t *testing.T, s *Service, host string, ls LayerStore) (string, error) {
	t.Helper()
	ref, err := dref.ParseNormalizedNamed(host + "/bt/img:1")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := s.Pull(context.Background(), ref, "", Auth{}, ls, NewProgress(&out))
	if err == nil {
		res.Done()
	}
	return out.String(), err
}

func TestPullAppliesLayersInOrder(t *testing.T) {
	host, img := testRegistry(t, nil)
	s := newService(t)
	ls := &fakeLayers{have: map[digest.Digest]bool{}}
	out, err := pull(t, s, host, ls)
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	cfg, _ := img.ConfigFile()
	if len(ls.applied) != 3 {
		t.Fatalf("applied %v", ls.applied)
	}
	for i, d := range cfg.RootFS.DiffIDs {
		if ls.applied[i].String() != d.String() {
			t.Fatalf("layer %d: %s, want %s", i, ls.applied[i], d)
		}
	}
	if strings.Count(out, `"status":"Pull complete"`) != 3 {
		t.Fatalf("progress:\n%s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.cfg.Root, "partial")); len(ents) != 0 {
		t.Fatalf("partial downloads left: %v", ents)
	}
	// A second pull fetches nothing.
	out, err = pull(t, s, host, ls)
	if err != nil || strings.Count(out, "Already exists") != 3 || len(ls.applied) != 3 {
		t.Fatalf("second pull: %v\n%s", err, out)
	}
}

func TestPullResumesPartialDownload(t *testing.T) {
	var mu sync.Mutex
	var ranges []string
	host, img := testRegistry(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if rg := r.Header.Get("Range"); rg != "" {
			mu.Lock()
			ranges = append(ranges, rg)
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
	s := newService(t)
	layers, _ := img.Layers()
	l0 := layers[0]
	dg, _ := l0.Digest()
	rc, _ := l0.Compressed()
	data, _ := io.ReadAll(rc)
	half := len(data) / 2
	if err := os.WriteFile(filepath.Join(s.cfg.Root, "partial", dg.Hex), data[:half], 0o600); err != nil {
		t.Fatal(err)
	}
	ls := &fakeLayers{have: map[digest.Digest]bool{}}
	if out, err := pull(t, s, host, ls); err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	want := fmt.Sprintf("bytes=%d-%d", half, len(data)-1)
	if len(ranges) != 1 || ranges[0] != want {
		t.Fatalf("Range headers %v, want [%s]", ranges, want)
	}
}

func TestPullRejectsCorruptBlob(t *testing.T) {
	var corrupt string
	host, img := testRegistry(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if corrupt != "" && strings.HasSuffix(r.URL.Path, corrupt) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			b := rec.Body.Bytes()
			b[len(b)/2] ^= 0xff
			w.WriteHeader(rec.Code)
			_, _ = w.Write(b)
			return
		}
		next.ServeHTTP(w, r)
	})
	layers, _ := img.Layers()
	dg, _ := layers[1].Digest()
	corrupt = dg.String()
	s := newService(t)
	ls := &fakeLayers{have: map[digest.Digest]bool{}}
	out, err := pull(t, s, host, ls)
	if err == nil || !strings.Contains(err.Error(), "verification failed") {
		t.Fatalf("pull of a corrupt blob: %v\n%s", err, out)
	}
	if len(ls.applied) > 1 {
		t.Fatalf("layers applied after the corrupt one: %v", ls.applied)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Root, "partial", dg.Hex)); err == nil {
		t.Fatal("the corrupt download was kept for resuming")
	}
}

func TestPullMissingImage(t *testing.T) {
	host, _ := testRegistry(t, nil)
	s := newService(t)
	ref, _ := dref.ParseNormalizedNamed(host + "/bt/img:nosuch")
	_, err := s.Pull(context.Background(), ref, "", Auth{}, &fakeLayers{have: map[digest.Digest]bool{}}, NewProgress(nil))
	if !errdefs.IsNotFound(err) || !strings.Contains(err.Error(), "manifest unknown") {
		t.Fatalf("err = %v", err)
	}
}

func TestSpoolReaderFollowsWriter(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sp := newSpool(f, 0)
	want := strings.Repeat("0123456789", 10000)
	go func() {
		for i := 0; i < len(want); i += 777 {
			end := min(i+777, len(want))
			_, _ = f.WriteAt([]byte(want[i:end]), int64(i))
			sp.advance(int64(end - i))
		}
		sp.finish(nil)
	}()
	got, err := io.ReadAll(sp.reader(context.Background()))
	if err != nil || string(got) != want {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	// A failed download fails the reader.
	sp2 := newSpool(f, 10)
	boom := errors.New("boom")
	sp2.finish(boom)
	if _, err := io.ReadAll(sp2.reader(context.Background())); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestRegistryRules(t *testing.T) {
	s := &Service{cfg: Config{InsecureRegistries: []string{"reg.example:5000", "10.1.0.0/16"}}}
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost:5000": true, "127.9.9.9": true, "reg.example:5000": true,
		"10.1.2.3:443": true, "10.2.0.1": false, "registry-1.docker.io": false, "reg.example": false,
	} {
		if got := s.insecure(host); got != want {
			t.Errorf("insecure(%s) = %v", host, got)
		}
	}
	for in, want := range map[string]string{
		"https://index.docker.io/v1/": "index.docker.io", "docker.io": "index.docker.io",
		"localhost:5000": "localhost:5000", "http://127.0.0.1:5000/v2/": "127.0.0.1:5000",
	} {
		if got := RegistryHost(in); got != want {
			t.Errorf("RegistryHost(%s) = %s", in, got)
		}
	}
	var k keyedMutex
	unlock, ok := k.tryLock("a")
	if !ok {
		t.Fatal("tryLock of a free key failed")
	}
	if _, ok := k.tryLock("a"); ok {
		t.Fatal("tryLock of a held key succeeded")
	}
	unlock()
	if u, ok := k.tryLock("a"); !ok {
		t.Fatal("tryLock after unlock failed")
	} else {
		u()
	}
}

func TestPickPlatform(t *testing.T) {
	idx := `{"schemaVersion":2,"manifests":[
	 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("a", 64) + `","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
	 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("b", 64) + `","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}`
	d, err := pickPlatform([]byte(idx), "linux/arm64")
	if err != nil || d.Digest.Hex != strings.Repeat("a", 64) {
		t.Fatalf("arm64: %v %v", d, err)
	}
	d, err = pickPlatform([]byte(idx), "linux/amd64")
	if err != nil || d.Digest.Hex != strings.Repeat("b", 64) {
		t.Fatalf("amd64: %v %v", d, err)
	}
	if _, err := pickPlatform([]byte(idx), "linux/s390x"); !errdefs.IsNotFound(err) {
		t.Fatalf("s390x: %v", err)
	}
}

// A layer stored under another parent is unpacked from the local tar, not
// downloaded again.
func TestPullReusesLayerByDiffID(t *testing.T) {
	var mu sync.Mutex
	gets := map[string]int{}
	host, img := testRegistry(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			mu.Lock()
			gets[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]++
			mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
	s := newService(t)
	ls := localLayers{&fakeLayers{have: map[digest.Digest]bool{}}}
	if out, err := pull(t, s, host, ls); err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	// The same layers in another order: other chain IDs, known diff IDs.
	layers, _ := img.Layers()
	img2, err := mutate.AppendLayers(empty.Image, layers[2], layers[0])
	if err != nil {
		t.Fatal(err)
	}
	ref2, _ := name.ParseReference(host + "/bt/img:2")
	if err := remote.Write(ref2, img2); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	gets = map[string]int{}
	mu.Unlock()
	r2, _ := dref.ParseNormalizedNamed(host + "/bt/img:2")
	var out strings.Builder
	if _, err := s.Pull(context.Background(), r2, "", Auth{}, ls, NewProgress(&out)); err != nil {
		t.Fatalf("pull 2: %v\n%s", err, out.String())
	}
	for _, l := range layers {
		d, _ := l.Digest()
		if gets[d.String()] != 0 {
			t.Fatalf("layer %s downloaded again", d)
		}
	}
	if len(ls.applied) != 5 || strings.Count(out.String(), "Already exists") != 2 {
		t.Fatalf("applied %d layers; progress:\n%s", len(ls.applied), out.String())
	}
}

// Layers download in parallel, at most MaxConcurrentDownloads at once.
func TestPullConcurrency(t *testing.T) {
	for _, limit := range []int{1, 3} {
		var mu sync.Mutex
		active, peak := 0, 0
		all := make(chan struct{})
		host, _ := testRegistry(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && !strings.Contains(r.URL.Path, "manifests") {
				mu.Lock()
				active++
				if active > peak {
					peak = active
				}
				if active == 3 {
					close(all)
				}
				mu.Unlock()
				// Hold the response until three are in flight (or a while).
				select {
				case <-all:
				case <-time.After(300 * time.Millisecond):
				}
				defer func() { mu.Lock(); active--; mu.Unlock() }()
			}
			next.ServeHTTP(w, r)
		})
		s, err := New(Config{Root: t.TempDir(), CertsDir: t.TempDir(), MaxConcurrentDownloads: limit})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := pull(t, s, host, &fakeLayers{have: map[digest.Digest]bool{}}); err != nil {
			t.Fatalf("pull: %v\n%s", err, out)
		}
		// The config blob is fetched alone, before the layers.
		if peak != limit {
			t.Fatalf("limit %d: peak of %d parallel downloads", limit, peak)
		}
	}
}
