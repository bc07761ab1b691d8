package initproc

import (
	"os"
	"os/signal"
	"syscall"
)

// pause is berth init given no command: the infra process of a pod
// sandbox, which holds the pod's namespaces, reaps the orphans a shared pid
// namespace hands it and exits 0 on SIGINT or SIGTERM (as Kubernetes'
// pause does).
func pause() int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			return 0
		}
		reap(0)
	}
	return 0
}
