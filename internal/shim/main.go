package shim

import (
	"flag"
	"fmt"
	"os"
)

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
//
//	berth shim monitor --dir D   the monitor of every container of D (fd 3: readiness pipe)
//	berth shim spawn --dir D     start the monitor detached (double fork) and exit
func Main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "berth shim: usage: berth shim monitor|spawn --dir DIR")
		return 125
	}
	fs := flag.NewFlagSet("shim", flag.ContinueOnError)
	dir := fs.String("dir", "", "the monitor dir (socket, lock)")
	if err := fs.Parse(args[1:]); err != nil {
		return 125
	}
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "berth shim: --dir is required")
		return 125
	}
	var err error
	switch args[0] {
	case "spawn":
		err = spawn(*dir)
	case "monitor":
		err = runMonitor(*dir)
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "berth shim: %v\n", err)
		return 1
	}
	return 0
}
