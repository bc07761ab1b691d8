package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// ChildMain is the TestMain of tests that re-run their test binary as a
// child (see RunChild): when env is set the process is that child and
// calls child with the request decoded from env's JSON value; else it
// runs the tests.
func ChildMain[Req any](m *testing.M, env string, child func(Req)) {
	if v := os.Getenv(env); v != "" {
		var req Req
		if err := json.Unmarshal([]byte(v), &req); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		child(req)
		return
	}
	os.Exit(m.Run())
}

// RunChild runs the test binary as the child of ChildMain with req in env,
// running no test, and returns its combined output.
func RunChild(t testing.TB, env string, req any) (string, error) {
	t.Helper()
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+string(data))
	out, err := cmd.CombinedOutput()
	return string(out), err
}
