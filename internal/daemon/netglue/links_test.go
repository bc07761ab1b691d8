package netglue

import (
	"slices"
	"strings"
	"testing"
)

func TestLinkVars(t *testing.T) {
	got := linkVars("/web/db-main", "db-main", "172.17.0.5", []string{"5432/tcp", "53/udp", "53/tcp", "bad/tcp"},
		[]string{"PATH=/usr/bin", "HOME=/root", "PGVERSION=15", "EMPTY=", "NOVALUE"})
	want := []string{
		"DB_MAIN_PORT=tcp://172.17.0.5:53",
		"DB_MAIN_PORT_53_TCP=tcp://172.17.0.5:53", "DB_MAIN_PORT_53_TCP_ADDR=172.17.0.5", "DB_MAIN_PORT_53_TCP_PORT=53", "DB_MAIN_PORT_53_TCP_PROTO=tcp",
		"DB_MAIN_PORT_53_UDP=udp://172.17.0.5:53", "DB_MAIN_PORT_53_UDP_ADDR=172.17.0.5", "DB_MAIN_PORT_53_UDP_PORT=53", "DB_MAIN_PORT_53_UDP_PROTO=udp",
		"DB_MAIN_PORT_5432_TCP=tcp://172.17.0.5:5432", "DB_MAIN_PORT_5432_TCP_ADDR=172.17.0.5", "DB_MAIN_PORT_5432_TCP_PORT=5432", "DB_MAIN_PORT_5432_TCP_PROTO=tcp",
		"DB_MAIN_NAME=/web/db-main",
		"DB_MAIN_ENV_PGVERSION=15", "DB_MAIN_ENV_EMPTY=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("link variables:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := linkVars("/a/b", "b", "10.0.0.2", nil, nil); strings.Join(got, " ") != "B_NAME=/a/b" {
		t.Errorf("no ports, no env: %v", got)
	}
}

func TestInspectLinks(t *testing.T) {
	got := InspectLinks("/web", []string{"db:database", "cache", "/redis:/web/r"})
	want := []string{"/db:/web/database", "/cache:/web/cache", "/redis:/web/r"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
	if InspectLinks("/web", nil) != nil {
		t.Fatal("no links: not null")
	}
}
