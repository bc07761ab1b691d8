package initproc

import (
	"fmt"
	"os"
)

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
func Main(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		if len(args) == 1 {
			return pause()
		}
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "berth init: usage: berth init [--] cmd [args...] (`berth init --` alone: a pod's infra process)")
		return 125
	}
	code, err := run(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "berth init: %v\n", err)
	}
	return code
}
