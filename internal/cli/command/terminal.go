package command

import (
	"os"

	"github.com/moby/term"
)

// TerminalFd returns the file descriptor of v if it is a terminal.
func TerminalFd(v any) (uintptr, bool) {
	if v == nil {
		return 0, false
	}
	if _, ok := v.(*os.File); !ok {
		return 0, false
	}
	return term.GetFdInfo(v)
}
