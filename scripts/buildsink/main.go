// Command buildsink serves just enough of the Engine API on a unix socket
// for `DOCKER_BUILDKIT=0 docker build` to complete at once: it reads and
// discards the build context and answers with an image ID. Timed against
// it, the docker CLI shows its own share of a build (start-up, packing and
// sending the context), which no engine can go below.
//
//	go run ./scripts/buildsink SOCKET
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: buildsink SOCKET")
		os.Exit(2)
	}
	_ = os.Remove(os.Args[1])
	l, err := net.Listen("unix", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/build") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"aux":{"ID":"sha256:`+strings.Repeat("0", 64)+`"}}`+"\n")
			return
		}
		_, _ = io.WriteString(w, "OK")
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
