package shim

import (
	"flag"
	"fmt"
	"os"
)

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
//
//	berth shim spawn --state-dir D   start the shim detached (fd 3: readiness pipe) and exit
//	berth shim serve --state-dir D   the shim itself
//	berth shim warm                  a shim started ahead of need (shimclient.Pool):
//	                                 fd 3 readiness pipe, fd 4 the state dir to serve
func Main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "berth shim: usage: berth shim spawn|serve --state-dir DIR | warm")
		return 125
	}
	if args[0] == "warm" {
		if err := warm(); err != nil {
			fmt.Fprintf(os.Stderr, "berth shim: %v\n", err)
			return 1
		}
		return 0
	}
	fs := flag.NewFlagSet("shim", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "the shim's state dir (config.json, socket, exit status)")
	if err := fs.Parse(args[1:]); err != nil {
		return 125
	}
	if *stateDir == "" {
		fmt.Fprintln(os.Stderr, "berth shim: --state-dir is required")
		return 125
	}
	var err error
	switch args[0] {
	case "spawn":
		err = spawn(*stateDir)
	case "serve":
		err = serve(*stateDir)
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "berth shim: %v\n", err)
		return 1
	}
	return 0
}
