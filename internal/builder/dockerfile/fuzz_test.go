package dockerfile

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/berth/berth/internal/backend"
)

// noNetwork fails every HTTP request: a fuzzed ADD <url> never leaves the
// test process.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("fuzz: no network")
}

// FuzzBuild parses an arbitrary Dockerfile and dispatches its
// instructions against the fake backend (RUN runs nothing, ADD <url>
// reaches no network): every input ends, within a second, with an image
// or an error, never a panic.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		"FROM busybox\nRUN echo hi\nCMD [\"sh\"]\n",
		"ARG B=busybox\nFROM ${B} AS one\nENV A=1 B=\"2 3\"\nWORKDIR /a/$A\nFROM one\nCOPY --from=one /a /b\n",
		"FROM scratch\nLABEL a=b\nEXPOSE 80/tcp 53/udp\nUSER 1:2\nVOLUME [\"/v\"]\n",
		"# escape=`\nFROM busybox\nRUN echo `\n  hi\nHEALTHCHECK --interval=1s CMD true\nSTOPSIGNAL SIGTERM\nSHELL [\"/bin/sh\",\"-c\"]\n",
		"FROM busybox\nONBUILD RUN true\nENTRYPOINT echo\nADD http://127.0.0.1:1/x /x\nADD a.tar /\n",
		"FROM busybox\nCOPY --chown=1:1 --chmod=755 . /\nARG X\nRUN --network=none true\n",
		"FROM busybox AS a\nFROM a AS b\nFROM b\nCOPY --from=c / /\n",
	} {
		f.Add([]byte(s), "")
	}
	http.DefaultClient.Transport = noNetwork{}
	f.Fuzz(func(t *testing.T, dockerfile []byte, target string) {
		fb := newFake(t)
		bc := &BuildContext{Dir: t.TempDir(), dockerfile: dockerfile}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			var out bytes.Buffer
			_, _ = New(fb, nil).Build(ctx, bc, Options{BuildOptions: backend.BuildOptions{Target: target}}, &out)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("build of %q did not end", dockerfile)
		}
	})
}
