package recovery

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestGoRecoversAndReports(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	errCh := make(chan error, 1)
	Go(log, "worker", func() {
		var m map[string]int
		m["x"] = 1 // nil map: a real runtime panic
	}, func(err error) { errCh <- err })
	err := <-errCh
	if err == nil || !strings.Contains(err.Error(), "internal error in worker: panic: assignment to entry in nil map") {
		t.Fatalf("error %v", err)
	}
	if s := buf.String(); !strings.Contains(s, "panic recovered") || !strings.Contains(s, "recovery_test.go") {
		t.Fatalf("log lacks the panic and its stack: %s", s)
	}
}

func TestGoWithoutPanic(t *testing.T) {
	done := make(chan struct{})
	Go(nil, "worker", func() { close(done) }, func(error) { t.Error("onPanic called without a panic") })
	<-done
}
