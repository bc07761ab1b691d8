// Command berth is the single binary that carries every role of berth: the
// user CLI, the daemon, the OCI runtime, the per-container shim and the tiny
// init used by --init. The roles meet only at process boundaries.
package main

import (
	"os"

	"github.com/berth/berth/internal/cli"
	daemoncmd "github.com/berth/berth/internal/daemon/cmd"
	"github.com/berth/berth/internal/initproc"
	"github.com/berth/berth/internal/runtime/ocicli"
	"github.com/berth/berth/internal/shim"
)

func main() {
	os.Exit(run(os.Args))
}

// run picks the role from the first argument. Roles that are re-executions of
// the binary itself (runtime init, shim) are dispatched here too, so that every
// role is reachable from /proc/self/exe.
func run(args []string) int {
	if len(args) > 1 {
		switch args[1] {
		case "runtime":
			return ocicli.Main(args[2:])
		case "daemon":
			return daemoncmd.Main(args[2:])
		case "shim":
			return shim.Main(args[2:])
		case "init":
			return initproc.Main(args[2:])
		}
	}
	return cli.Main(args[1:])
}
