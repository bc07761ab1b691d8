package command

import (
	"fmt"
)

// StatusError carries an exit status; Status, when not empty, is printed on
// stderr.
type StatusError struct {
	Status string
	Code   int
}

// Error is Status, or the exit status when there is none.
func (e StatusError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Status
}
