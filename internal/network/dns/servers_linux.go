package dns

import (
	"errors"
	"sync"
)

// Servers are the embedded servers of the running containers, by
// container ID: the daemon opens one when a container on a user network
// starts (or when it restores a running one after a restart), and closes
// it when the container stops. Safe for concurrent use.
type Servers struct {
	mu sync.Mutex
	m  map[string]*Server
}

// Start opens a server for id in the network namespace at nsPath,
// replacing (closing) the one id had.
func (s *Servers) Start(id, nsPath string, cfg Config) error {
	s.Stop(id)
	srv := New(cfg)
	if err := srv.ListenNetns(nsPath); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*Server{}
	}
	if old := s.m[id]; old != nil { // a concurrent Start won
		_ = old.Close()
	}
	s.m[id] = srv
	return nil
}

// Stop closes the server of id, if any.
func (s *Servers) Stop(id string) {
	s.mu.Lock()
	srv := s.m[id]
	delete(s.m, id)
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Get returns the server of id, or nil.
func (s *Servers) Get(id string) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// CloseAll closes every server (daemon shutdown: the containers live on,
// and the next daemon reopens their servers).
func (s *Servers) CloseAll() error {
	s.mu.Lock()
	m := s.m
	s.m = nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range m {
		errs = append(errs, srv.Close())
	}
	return errors.Join(errs...)
}
