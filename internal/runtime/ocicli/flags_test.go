package ocicli

import (
	"testing"
)

func TestFlagsAnywhere(t *testing.T) {
	fs := newFlagSet("create")
	bundle := fs.String("bundle", ".")
	fs.alias("b", "bundle")
	pid := fs.String("pid-file", "")
	detach := fs.Bool("detach")
	fs.alias("d", "detach")
	if err := fs.parse([]string{"--pid-file=/p", "id1", "-b", "/bndl", "-d"}); err != nil {
		t.Fatal(err)
	}
	if *bundle != "/bndl" || *pid != "/p" || !*detach || len(fs.args) != 1 || fs.args[0] != "id1" {
		t.Fatalf("parsed bundle=%q pid=%q detach=%v args=%v", *bundle, *pid, *detach, fs.args)
	}
	if err := newFlagSet("x").parse([]string{"--nope"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
	fs = newFlagSet("create")
	fs.String("bundle", ".")
	if err := fs.parse([]string{"--bundle"}); err == nil {
		t.Fatal("missing value accepted")
	}
}

func TestExecStopsAtCommand(t *testing.T) {
	fs := newFlagSet("exec")
	tty := fs.Bool("tty")
	fs.alias("t", "tty")
	fs.stopAt = 1
	if err := fs.parse([]string{"-t", "ctr", "sh", "-c", "echo -t"}); err != nil {
		t.Fatal(err)
	}
	if !*tty || len(fs.args) != 4 || fs.args[3] != "echo -t" {
		t.Fatalf("tty=%v args=%q", *tty, fs.args)
	}
}

func TestParseUser(t *testing.T) {
	u, err := parseUser("1000:100")
	if err != nil || u.UID != 1000 || u.GID != 100 {
		t.Fatalf("got %+v %v", u, err)
	}
	if _, err := parseUser("bob"); err == nil {
		t.Fatal("a name was accepted")
	}
}
