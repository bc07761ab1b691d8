package stream

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/pkg/stdcopy"
)

func TestMultiplexedWriters(t *testing.T) {
	var buf bytes.Buffer
	out, errw := Writers(&buf, true)
	out.Write([]byte("hello\n"))
	errw.Write([]byte("oops\n"))
	out.Write(nil)
	var o, e bytes.Buffer
	if _, err := stdcopy.StdCopy(&o, &e, &buf); err != nil {
		t.Fatal(err)
	}
	if o.String() != "hello\n" || e.String() != "oops\n" {
		t.Fatalf("stdout %q stderr %q", o.String(), e.String())
	}
	var raw bytes.Buffer
	out, errw = Writers(&raw, false)
	out.Write([]byte("a"))
	errw.Write([]byte("b"))
	if raw.String() != "ab" {
		t.Fatalf("raw %q", raw.String())
	}
}

func TestHijackUpgrade(t *testing.T) {
	srv := httptest.NewServer(Track(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Hijack(w, r.WithContext(WithAPIVersion(r.Context(), "1.45")), true)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		if !Started(w) {
			t.Error("hijacked response not marked started")
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		out, _ := Writers(c, true)
		out.Write([]byte("echo:" + line))
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /attach HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nping\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Content-Type") != "application/vnd.docker.multiplexed-stream" {
		t.Fatalf("upgrade response %d %v", resp.StatusCode, resp.Header)
	}
	var o bytes.Buffer
	if _, err := stdcopy.StdCopy(&o, io.Discard, br); err != nil {
		t.Fatal(err)
	}
	if o.String() != "echo:ping\n" {
		t.Fatalf("stream %q", o.String())
	}
}

func TestVersionLessThan(t *testing.T) {
	ctx := WithAPIVersion(context.Background(), "1.41")
	if !VersionLessThan(ctx, "1.42") || VersionLessThan(ctx, "1.41") || VersionLessThan(context.Background(), "1.42") {
		t.Fatal("VersionLessThan")
	}
	if CompareVersions("1.9", "1.24") >= 0 || CompareVersions("1.40", "1.4") <= 0 || CompareVersions("1.24", "1.24.0") != 0 {
		t.Error("CompareVersions")
	}
}
