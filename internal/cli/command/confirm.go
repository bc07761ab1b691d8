package command

import (
	"bufio"
	"fmt"
	"strings"
)

// Confirm asks the user a yes/no question on the CLI streams.
func Confirm(c Cli, msg string) bool {
	fmt.Fprintf(c.Out(), "%s\nAre you sure you want to continue? [y/N] ", msg)
	line, _ := bufio.NewReader(c.In()).ReadString('\n')
	line = strings.TrimSpace(line)
	return line == "y" || line == "Y" || strings.EqualFold(line, "yes")
}
