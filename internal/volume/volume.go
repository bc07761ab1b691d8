package volume

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
)

// Bucket is the bbolt bucket of volume records.
const Bucket = "volumes"

// DriverLocal is the only driver: directories on the host.
const DriverLocal = "local"

// AnonymousLabel marks an anonymous volume (created for -v /path or an
// image VOLUME), as Docker 23+ does; prune without --all removes only these.
const AnonymousLabel = "com.docker.volume.anonymous"

// namePattern is Docker's restriction on local volume names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// Record is the persisted description of one volume.
type Record struct {
	Name      string
	Driver    string
	Labels    map[string]string `json:",omitempty"`
	Options   map[string]string `json:",omitempty"`
	CreatedAt time.Time
}

// Anonymous reports whether the volume was created without a name.
func (r *Record) Anonymous() bool {
	_, ok := r.Labels[AnonymousLabel]
	return ok
}

// Store is the set of local volumes under one root directory.
type Store struct {
	db   *store.DB
	root string

	mu   sync.Mutex
	vols map[string]*Record
	// refs counts, per volume with mount options, the users (container IDs)
	// that hold it mounted.
	refs map[string]map[string]bool
}

// New opens the volumes under root (created if needed) with their records
// in db, repairing what an interrupted create or remove left behind.
func New(db *store.DB, root string) (*Store, error) {
	// 0700 whoever made it: a volume's content is its containers' business,
	// never another host user's.
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create volumes dir %s: %w", root, err)
	}
	if err := os.Chmod(root, 0o700); err != nil {
		return nil, fmt.Errorf("set mode of volumes dir %s: %w", root, err)
	}
	s := &Store{db: db, root: root, vols: map[string]*Record{}, refs: map[string]map[string]bool{}}
	err := db.ForEach(Bucket, func(key string, value []byte) error {
		var r Record
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("decode volume record %s: %w", key, err)
		}
		s.vols[key] = &r
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read volumes dir: %w", err)
	}
	onDisk := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".rm-") {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
			continue
		}
		if !e.IsDir() || !namePattern.MatchString(e.Name()) {
			continue
		}
		onDisk[e.Name()] = true
		if _, ok := s.vols[e.Name()]; !ok {
			if _, err := os.Stat(s.dataDir(e.Name())); err != nil {
				continue
			}
			r := &Record{Name: e.Name(), Driver: DriverLocal, CreatedAt: time.Now().UTC()}
			if err := db.Put(Bucket, r.Name, r); err != nil {
				return nil, err
			}
			s.vols[r.Name] = r
		}
	}
	for name := range s.vols {
		if !onDisk[name] {
			_ = db.Delete(Bucket, name)
			delete(s.vols, name)
		}
	}
	return s, nil
}

// ValidateName checks a volume name as Docker's local driver does.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return errdefs.InvalidParameter(fmt.Errorf("%q includes invalid characters for a local volume name, only %q are allowed. If you intended to pass a host directory, use absolute path", name, "[a-zA-Z0-9][a-zA-Z0-9_.-]"))
	}
	return nil
}

// validateOptions accepts the options of Docker's local driver.
func validateOptions(opts map[string]string) error {
	for k := range opts {
		switch k {
		case "type", "device", "o":
		default:
			return errdefs.InvalidParameter(fmt.Errorf("invalid option: %q", k))
		}
	}
	if opts["type"] != "" && opts["device"] == "" && opts["type"] != "tmpfs" {
		return errdefs.InvalidParameter(errors.New("missing required option: \"device\""))
	}
	if opts["device"] != "" && opts["type"] == "" {
		return errdefs.InvalidParameter(errors.New("missing required option: \"type\""))
	}
	if opts["o"] != "" && opts["type"] == "" {
		return errdefs.InvalidParameter(errors.New("missing required option: \"type\""))
	}
	return nil
}

// NewAnonymousName returns a fresh 64-hex-digit name.
func NewAnonymousName() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Create makes a volume. An existing volume of that name is returned as it
// is (Docker's behaviour), unless driver or options conflict. An empty name
// makes an anonymous volume.
func (s *Store) Create(name, driver string, opts, labels map[string]string) (*Record, error) {
	if driver == "" {
		driver = DriverLocal
	}
	if name == "" {
		name = NewAnonymousName()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[AnonymousLabel] = ""
	}
	if driver != DriverLocal {
		return nil, errdefs.NotFound(fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q not found", name, driver, driver))
	}
	if err := ValidateName(name); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("create %s: %w", name, err))
	}
	if err := validateOptions(opts); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("create %s: %w", name, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.vols[name]; ok {
		if len(opts) > 0 && !sameMap(opts, r.Options) {
			return nil, errdefs.Conflict(fmt.Errorf("volume %s already exists with different options", name))
		}
		return r, nil
	}
	if err := os.MkdirAll(s.dataDir(name), 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	crashpoint.At("volume-create-after-dir")
	r := &Record{Name: name, Driver: driver, Labels: labels, Options: opts, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if err := s.db.Put(Bucket, name, r); err != nil {
		_ = os.RemoveAll(filepath.Join(s.root, name))
		return nil, err
	}
	s.vols[name] = r
	return r, nil
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// Get returns the volume called name.
func (s *Store) Get(name string) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.vols[name]
	if !ok {
		return nil, errdefs.NotFound(fmt.Errorf("get %s: no such volume", name))
	}
	return r, nil
}

// List returns every volume, sorted by name.
func (s *Store) List() []*Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Record, 0, len(s.vols))
	for _, r := range s.vols {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Remove deletes the volume and its data. Whether a container still uses
// it is the caller's check.
func (s *Store) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.vols[name]; !ok {
		return errdefs.NotFound(fmt.Errorf("get %s: no such volume", name))
	}
	if len(s.refs[name]) > 0 {
		return errdefs.Conflict(fmt.Errorf("remove %s: volume is in use", name))
	}
	if err := unmountData(s.dataDir(name)); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	dir := filepath.Join(s.root, name)
	trash := filepath.Join(s.root, ".rm-"+name)
	if err := os.Rename(dir, trash); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	crashpoint.At("volume-remove-after-rename")
	if err := s.db.Delete(Bucket, name); err != nil {
		_ = os.Rename(trash, dir)
		return err
	}
	delete(s.vols, name)
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("remove data of %s: %w", name, err)
	}
	return nil
}

// Path returns the host directory of the volume's data (its Mountpoint).
func (s *Store) Path(name string) string { return s.dataDir(name) }

func (s *Store) dataDir(name string) string { return filepath.Join(s.root, name, "_data") }

// Size returns the bytes used by the files of the volume.
func (s *Store) Size(name string) int64 {
	var n int64
	_ = filepath.WalkDir(s.dataDir(name), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
