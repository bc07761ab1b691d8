package cmd

import (
	"log/slog"
	"path/filepath"

	"github.com/berth/berth/internal/cri"
	"github.com/berth/berth/internal/cri/cni"
	"github.com/berth/berth/internal/daemon"
)

// criOptions are where the Kubernetes CRI listens: the --cri-socket flag
// and daemon.json's "cri-socket" (one or the other), and its streaming
// server: --cri-stream-address or "cri-stream-address".
type criOptions struct {
	flag string
	file *string // nil: not in the file
	// The streaming server's address: --cri-stream-address, daemon.json's
	// "cri-stream-address".
	streamFlag string
	streamFile *string
	// The CNI of the pods: configurations and plugins.
	cniConfDir string
	cniBinDirs []string
}

// cniSubnet is the subnet of berth's default CNI network, written to an
// empty configuration directory (podman's default is 10.88.0.0/16).
const cniSubnet = "10.89.0.0/16"

// cniBridge names the default CNI network's bridge after the daemon's own
// bridge, so that daemons on other roots do not share it.
func cniBridge(bridge string) string {
	if bridge == "" {
		bridge = "berth0"
	}
	return bridge[:min(len(bridge), 11)] + "-cni"
}

// socket is the CRI's socket path, "" when it is off.
func (c criOptions) socket(set func(string) bool, execRoot string) string {
	p := filepath.Join(execRoot, "cri.sock")
	switch {
	case set("cri-socket"):
		p = c.flag
	case c.file != nil:
		p = *c.file
	}
	if p == "none" {
		return ""
	}
	return p
}

// streamAddress is the streaming server's address, "" for the default.
func (c criOptions) streamAddress(set func(string) bool) string {
	switch {
	case set("cri-stream-address"):
		return c.streamFlag
	case c.streamFile != nil:
		return *c.streamFile
	}
	return ""
}

// startCRI serves the CRI over d's services, unless turned off; the
// function returned stops it.
func startCRI(o *options, cfg daemon.Config, d *daemon.Daemon, log *slog.Logger) (func(), error) {
	path := o.cri.socket(o.set, cfg.ExecRoot)
	if path == "" {
		return func() {}, nil
	}
	pods := cni.New(cni.Config{
		ConfDir: o.cri.cniConfDir, BinDirs: o.cri.cniBinDirs, CacheDir: filepath.Join(cfg.Root, "cni"),
		Bridge: cniBridge(cfg.Bridge), Subnet: cniSubnet,
	})
	s := cri.New(cri.Config{
		Containers: d, Execs: d.Procs(), Images: d.Images(), Network: pods, ImageDir: filepath.Join(cfg.Root, "snapshots"),
		StreamAddress: o.cri.streamAddress(o.set), Version: Version, Log: log,
	})
	if err := s.Listen(path); err != nil {
		return nil, err
	}
	log.Info("CRI listening", "addr", path, "stream", s.StreamAddr())
	return s.Stop, nil
}
