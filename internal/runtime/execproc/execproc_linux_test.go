package execproc

import (
	"strings"
	"testing"
)

func TestDedupEnvLastWins(t *testing.T) {
	got := strings.Join(dedupEnv([]string{"A=1", "B=2", "A=3"}), " ")
	if got != "A=3 B=2" {
		t.Fatalf("got %q", got)
	}
}
