package container

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
)

// Bucket is the bbolt bucket of container records: key = container ID,
// value = the JSON of Container. Names are derived from the records.
const Bucket = "containers"

// Records is the part of a Registry the daemon's services use, each
// through an interface of its own that embeds it: find a container by
// name, ID or ID prefix, and store one.
type Records interface {
	Get(ref string) (*Container, error)
	Save(c *Container) error
}

// Registry is the in-memory index of containers (by ID, name and ID prefix),
// backed by a bbolt bucket.
type Registry struct {
	db *store.DB

	mu     sync.RWMutex
	byID   map[string]*Container
	byName map[string]string // name without "/" → ID
}

// NewRegistry loads every record of db.
func NewRegistry(db *store.DB) (*Registry, error) {
	r := &Registry{db: db, byID: map[string]*Container{}, byName: map[string]string{}}
	err := db.ForEach(Bucket, func(id string, data []byte) error {
		c := &Container{}
		if err := json.Unmarshal(data, c); err != nil {
			return fmt.Errorf("decode container record %s: %w", id, err)
		}
		c.init()
		c.saved.Store(&data)
		r.byID[c.ID] = c
		r.byName[strings.TrimPrefix(c.Name, "/")] = c.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Reserve claims name for id in memory, failing with Docker's conflict error
// when the name is used.
func (r *Registry) Reserve(name, id string) error {
	name = strings.TrimPrefix(name, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	if other, ok := r.byName[name]; ok && other != id {
		return errdefs.Conflict(fmt.Errorf("Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name", name, other))
	}
	r.byName[name] = id
	return nil
}

// Release frees a reserved name.
func (r *Registry) Release(name string) {
	name = strings.TrimPrefix(name, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byName[name]; ok {
		if _, exists := r.byID[id]; !exists || r.byID[id].Name != "/"+name {
			delete(r.byName, name)
		}
	}
}

// NameTaken reports whether name (without "/") is in use.
func (r *Registry) NameTaken(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.byName[name]
	return ok
}

// Add persists c and indexes it.
func (r *Registry) Add(c *Container) error {
	if err := r.Save(c); err != nil {
		return err
	}
	r.mu.Lock()
	r.byID[c.ID] = c
	r.byName[strings.TrimPrefix(c.Name, "/")] = c.ID
	r.mu.Unlock()
	return nil
}

// Save persists the record of c, and keeps it as the copy readers get
// while c is locked (Read). The caller holds c's lock or owns c.
func (r *Registry) Save(c *Container) error {
	data, err := json.Marshal(c)
	if err == nil {
		err = r.db.Update(func(tx *store.Tx) error { return tx.PutString(Bucket, c.ID, string(data)) })
	}
	if err != nil {
		return fmt.Errorf("save container %s: %w", c.ID, err)
	}
	c.saved.Store(&data)
	return nil
}

// Rename changes the name of c atomically in memory and on disk.
func (r *Registry) Rename(c *Container, newName string) error {
	newName = strings.TrimPrefix(newName, "/")
	if err := r.Reserve(newName, c.ID); err != nil {
		return err
	}
	// The name is written under both c's lock and r.mu: Release and
	// Delete read it under r.mu only.
	c.Lock()
	old := c.Name
	r.setName(c, "/"+newName)
	err := r.Save(c)
	if err != nil {
		r.setName(c, old)
	}
	c.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		delete(r.byName, newName)
		return err
	}
	delete(r.byName, strings.TrimPrefix(old, "/"))
	return nil
}

// Name returns c's name, read under the registry's lock: safe without c's
// lock while a rename changes it.
func (r *Registry) Name(c *Container) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return c.Name
}

func (r *Registry) setName(c *Container, name string) {
	r.mu.Lock()
	c.Name = name
	r.mu.Unlock()
}

// Delete removes c's record from disk and memory.
func (r *Registry) Delete(c *Container) error {
	if err := r.db.Delete(Bucket, c.ID); err != nil {
		return fmt.Errorf("delete container record %s: %w", c.ID, err)
	}
	r.mu.Lock()
	delete(r.byID, c.ID)
	if r.byName[strings.TrimPrefix(c.Name, "/")] == c.ID {
		delete(r.byName, strings.TrimPrefix(c.Name, "/"))
	}
	r.mu.Unlock()
	return nil
}

// Get finds a container by full ID, name (with or without "/") or unique ID
// prefix, as Docker resolves them.
func (r *Registry) Get(ref string) (*Container, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if ref == "" {
		return nil, errdefs.NotFound(fmt.Errorf("No such container: %s", ref))
	}
	if c, ok := r.byID[ref]; ok {
		return c, nil
	}
	if id, ok := r.byName[strings.TrimPrefix(ref, "/")]; ok {
		if c, ok := r.byID[id]; ok {
			return c, nil
		}
	}
	var found *Container
	for id, c := range r.byID {
		if strings.HasPrefix(id, ref) {
			if found != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("multiple IDs found with provided prefix: %s", ref))
			}
			found = c
		}
	}
	if found == nil {
		return nil, errdefs.NotFound(fmt.Errorf("No such container: %s", ref))
	}
	return found, nil
}

// List returns every container, newest first.
func (r *Registry) List() []*Container {
	r.mu.RLock()
	out := make([]*Container, 0, len(r.byID))
	for _, c := range r.byID {
		out = append(out, c)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Created.Equal(out[j].Created) {
			return out[i].ID > out[j].ID
		}
		return out[i].Created.After(out[j].Created)
	})
	return out
}
