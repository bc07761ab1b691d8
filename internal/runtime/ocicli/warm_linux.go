package ocicli

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// WarmVerb is the hidden verb of a runtime process started ahead of need
// (`berth runtime warm`), by a shim that is itself waiting for a container.
const WarmVerb = "warm"

// WarmRequest is what the shim sends a warm runtime, once: the arguments
// that follow `berth runtime` and the working directory to run them in.
// The message carries the process's stdin, stdout and stderr as SCM_RIGHTS.
type WarmRequest struct {
	Args []string `json:"args"`
	Dir  string   `json:"dir"`
}

// warmMain waits on fd 3 (a unix socket) for one WarmRequest, makes the
// three descriptors that come with it its stdio, and runs the request as
// Main would. A process started this way has its Go runtime up before the
// container is known, which takes a process start off the way to a running
// container. End-of-file (the shim went away or chose another runtime)
// ends it at once.
func warmMain() int {
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(3*4))
	n, oobn, _, _, err := unix.Recvmsg(3, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil || n == 0 {
		return 0
	}
	unix.Close(3)
	var req WarmRequest
	if err := json.Unmarshal(buf[:n], &req); err != nil {
		fmt.Fprintf(os.Stderr, "berth runtime: warm request: %v\n", err)
		return 125
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		fmt.Fprintln(os.Stderr, "berth runtime: warm request without stdio")
		return 125
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 3 {
		fmt.Fprintln(os.Stderr, "berth runtime: warm request without stdio")
		return 125
	}
	for i, fd := range fds {
		// dup3 without O_CLOEXEC: stdio is inherited as a fresh process's is.
		if err := unix.Dup3(fd, i, 0); err != nil {
			return 125
		}
		unix.Close(fd)
	}
	if req.Dir != "" {
		if err := os.Chdir(req.Dir); err != nil {
			fmt.Fprintf(os.Stderr, "berth runtime: %v\n", err)
			return 125
		}
	}
	return Main(req.Args)
}
