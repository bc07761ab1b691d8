package network

import (
	"testing"
	"time"
)

// TestReadersDoNotWaitForChanges: while a change holds the manager (a
// connect plugging a veth, a rules rewrite), what ps and inspect ask of it
// — a container's endpoints, a network — and the other reads answer at
// once; a change made meanwhile (an endpoint recorded) shows to the next
// read.
func TestReadersDoNotWaitForChanges(t *testing.T) {
	net := &Record{ID: "n1", Name: "bridge", Driver: "bridge"}
	m := &Manager{nets: map[string]*Record{"n1": net}, eps: map[string]*Endpoint{}, byCtr: map[string]map[string]*Endpoint{}}
	m.setEp("c1/n1", &Endpoint{ID: "e1", ContainerID: "c1", NetworkID: "n1", IfName: "eth0"})

	m.mu.Lock() // a change in progress
	defer m.mu.Unlock()
	done := make(chan []string)
	go func() {
		var got []string
		for _, e := range m.Endpoints("c1") {
			got = append(got, e.ID)
		}
		if r, err := m.Get("bridge"); err == nil {
			got = append(got, r.ID)
		}
		for _, r := range m.List() {
			got = append(got, r.Name)
		}
		if m.InUse("n1") {
			got = append(got, "in use")
		}
		for _, e := range m.NetworkEndpoints("n1") {
			got = append(got, e.ID)
		}
		done <- got
	}()
	select {
	case got := <-done:
		want := []string{"e1", "n1", "bridge", "in use", "e1"}
		if len(got) != len(want) {
			t.Fatalf("read %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("read %q, want %q", got, want)
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the reads waited for the change in progress (30 s)")
	}
	// The change completes (under mu, as Connect does): the next read sees it.
	m.setEp("c1/n2", &Endpoint{ID: "e2", ContainerID: "c1", NetworkID: "n2", IfName: "eth1"})
	if eps := m.Endpoints("c1"); len(eps) != 2 || eps[0].IfName != "eth0" || eps[1].IfName != "eth1" {
		t.Fatalf("after the change, endpoints %+v, want eth0 and eth1", eps)
	}
}
