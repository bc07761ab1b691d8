package shim

import (
	"fmt"
	"os"
)

// Main runs this role with the arguments that follow its name and returns the
// process exit code.
func Main(args []string) int {
	fmt.Fprintln(os.Stderr, "berth: shim: not implemented yet")
	return 125
}
