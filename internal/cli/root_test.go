package cli

import (
	"testing"
)

func TestCommandWord(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--rm", "busybox", "true"}, "run"},
		{[]string{"-H", "unix:///x.sock", "ps", "-a"}, "ps"},
		{[]string{"--host=tcp://h:1", "-D", "--log-level", "debug", "images"}, "images"},
		{[]string{"--config", "/c", "container", "ls"}, "container"},
		{[]string{"--help"}, ""},
		{[]string{"-v"}, ""},
		{[]string{"help", "run"}, ""},
		{[]string{}, ""},
	} {
		if got := commandWord(tc.args); got != tc.want {
			t.Errorf("commandWord(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestRootBuildsOnlyTheNamedCommand(t *testing.T) {
	c := &CLI{}
	if n := len(c.newRootCommand("run").Commands()); n != 1 {
		t.Errorf("root for run has %d commands, want 1", n)
	}
	all := len(commands())
	if n := len(c.newRootCommand("").Commands()); n != all {
		t.Errorf("full root has %d commands, want %d", n, all)
	}
	if n := len(c.newRootCommand("no-such-command").Commands()); n != all {
		t.Errorf("root for an unknown word has %d commands, want all %d (for its error)", n, all)
	}
}
