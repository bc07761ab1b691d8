package resources

import (
	"testing"
	"time"
)

func TestStartGate(t *testing.T) {
	g := NewStartGate()
	if cap(g) < 2 {
		t.Fatalf("gate of %d slots, want at least 2", cap(g))
	}
	var leaves []func()
	for range cap(g) {
		leaves = append(leaves, g.Enter())
	}
	entered := make(chan func())
	go func() { entered <- g.Enter() }()
	select {
	case <-entered:
		t.Fatal("a start entered a full gate")
	case <-time.After(50 * time.Millisecond):
	}
	leaves[0]()
	leaves[0]() // a second call gives back nothing more
	select {
	case leave := <-entered:
		leave()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting start did not enter once a slot was given back")
	}
	if len(g) != cap(g)-1 {
		t.Fatalf("%d slots taken, want %d", len(g), cap(g)-1)
	}
}
