// Package cni connects pod sandboxes to the network with CNI plugins
// (through libcni), as the kubelet's runtimes do: the network is the first
// configuration of a directory (/etc/cni/net.d by default, files in name
// order), and berth writes a default one there when the directory has
// none. The result of each ADD is kept in a cache directory, so that a
// sandbox's address is known after a restart and DEL undoes exactly what
// ADD did.
package cni

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

// Config says where the configuration, the plugins and the results are.
type Config struct {
	ConfDir  string   // the network configurations (/etc/cni/net.d)
	BinDirs  []string // the plugins (/usr/lib/cni, /opt/cni/bin)
	CacheDir string   // the results of ADD
	// The default network written to an empty ConfDir: its bridge and
	// its subnet.
	Bridge, Subnet string
}

// Network sets up and tears down pods' networks.
type Network struct {
	cfg Config
	cni *libcni.CNIConfig
}

// New returns the pods' network of cfg.
func New(cfg Config) *Network {
	return &Network{cfg: cfg, cni: libcni.NewCNIConfigWithCacheDir(cfg.BinDirs, cfg.CacheDir, nil)}
}

// Pod is what the plugins are told of a sandbox.
type Pod struct {
	ID, NetNS            string // the sandbox and its network namespace
	Name, Namespace, UID string // the pod's metadata
	Ports                []Port
}

// Port is a port mapping, for the portmap plugin.
type Port struct {
	HostPort      int32  `json:"hostPort"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// ifName is the pod's interface, as every kubelet runtime names it.
const ifName = "eth0"

// Setup adds the pod to the network and returns its address.
func (n *Network) Setup(ctx context.Context, p Pod) (string, error) {
	list, err := n.load()
	if err != nil {
		return "", err
	}
	res, err := n.cni.AddNetworkList(ctx, list, runtimeConf(p))
	if err != nil {
		// Undo what the plugins before the failing one did.
		_ = n.cni.DelNetworkList(context.WithoutCancel(ctx), list, runtimeConf(p))
		return "", fmt.Errorf("cni network %s: %w", list.Name, err)
	}
	return address(res)
}

// Teardown removes the pod from the network it was added to, with the
// arguments and port mappings of that ADD (libcni's cache); netns may be
// "" once the namespace is gone. A pod never added is torn down.
func (n *Network) Teardown(ctx context.Context, p Pod) error {
	list, att, err := n.cached(p)
	if err != nil || list == nil {
		return err
	}
	rc := runtimeConf(p)
	rc.Args, rc.CapabilityArgs = att.CniArgs, att.CapabilityArgs
	if err := n.cni.DelNetworkList(ctx, list, rc); err != nil {
		return fmt.Errorf("cni network %s: %w", list.Name, err)
	}
	return nil
}

// IP is the address ADD gave the pod ("" when it has none).
func (n *Network) IP(p Pod) string {
	list, _, err := n.cached(p)
	if err != nil || list == nil {
		return ""
	}
	res, err := n.cni.GetNetworkListCachedResult(list, runtimeConf(p))
	if err != nil || res == nil {
		return ""
	}
	ip, _ := address(res)
	return ip
}

// Ready says whether pods can be set up: a configuration and its
// plugins are there.
func (n *Network) Ready(ctx context.Context) error {
	list, err := n.load()
	if err != nil {
		return err
	}
	for _, p := range list.Plugins {
		if _, err := n.cni.GetVersionInfo(ctx, p.Network.Type); err != nil {
			return fmt.Errorf("cni plugin %s: %w", p.Network.Type, err)
		}
	}
	return nil
}

// cached is the configuration and the attachment of the pod's ADD, nil
// when it was never added (or was torn down).
func (n *Network) cached(p Pod) (*libcni.NetworkConfigList, *libcni.NetworkAttachment, error) {
	atts, err := n.cni.GetCachedAttachments(p.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("cni cache: %w", err)
	}
	for _, a := range atts {
		if a.IfName == ifName {
			list, err := libcni.NetworkConfFromBytes(a.Config)
			return list, a, err
		}
	}
	return nil, nil, nil
}

// load reads the first configuration of ConfDir, writing the default one
// when there is none.
func (n *Network) load() (*libcni.NetworkConfigList, error) {
	files, err := libcni.ConfFiles(n.cfg.ConfDir, []string{".conflist", ".conf", ".json"})
	if err != nil {
		return nil, fmt.Errorf("cni configuration: %w", err)
	}
	if len(files) == 0 {
		path, err := n.writeDefault()
		if err != nil {
			return nil, err
		}
		files = []string{path}
	}
	slices.Sort(files)
	if filepath.Ext(files[0]) == ".conflist" {
		return libcni.NetworkConfFromFile(files[0])
	}
	one, err := libcni.ConfFromFile(files[0])
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromConf(one)
}

// defaultName is the file of berth's default network.
const defaultName = "10-berth.conflist"

// writeDefault writes berth's default network into ConfDir: a bridge with
// host-local addresses, masquerading to the outside, the portmap plugin
// for hostPort, and the firewall plugin, which lets the pods' traffic
// through a FORWARD chain that another engine set to drop.
func (n *Network) writeDefault() (string, error) {
	data, err := json.MarshalIndent(Default(n.cfg.Bridge, n.cfg.Subnet, filepath.Join(n.cfg.CacheDir, "ipam")), "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(n.cfg.ConfDir, 0o755); err != nil {
		return "", fmt.Errorf("cni configuration: %w", err)
	}
	path := filepath.Join(n.cfg.ConfDir, defaultName)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("cni configuration: %w", err)
	}
	return path, nil
}

// Default is berth's default network configuration list.
func Default(bridge, subnet, ipamDir string) map[string]any {
	return map[string]any{
		"cniVersion": "1.0.0",
		"name":       "berth",
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": bridge, "isGateway": true, "ipMasq": true, "hairpinMode": true,
				"ipam": map[string]any{
					"type": "host-local", "dataDir": ipamDir,
					"ranges": [][]map[string]string{{{"subnet": subnet}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "firewall"},
		},
	}
}

// runtimeConf is what libcni passes the plugins for p, with the
// arguments the kubelet's runtimes pass.
func runtimeConf(p Pod) *libcni.RuntimeConf {
	rc := &libcni.RuntimeConf{
		ContainerID: p.ID, NetNS: p.NetNS, IfName: ifName,
		Args: [][2]string{
			{"IgnoreUnknown", "1"},
			{"K8S_POD_NAMESPACE", p.Namespace},
			{"K8S_POD_NAME", p.Name},
			{"K8S_POD_INFRA_CONTAINER_ID", p.ID},
			{"K8S_POD_UID", p.UID},
		},
	}
	ports := p.Ports
	if ports == nil {
		ports = []Port{}
	}
	rc.CapabilityArgs = map[string]any{"portMappings": ports}
	return rc
}

// address is the first IPv4 address of the pod's interface in res (or
// the first address at all).
func address(res types.Result) (string, error) {
	r, err := types100.NewResultFromResult(res)
	if err != nil {
		return "", fmt.Errorf("cni result: %w", err)
	}
	var first string
	for _, ip := range r.IPs {
		if ip.Interface != nil && (*ip.Interface < 0 || *ip.Interface >= len(r.Interfaces) || r.Interfaces[*ip.Interface].Name != ifName) {
			continue
		}
		if ip.Address.IP.To4() != nil {
			return ip.Address.IP.String(), nil
		}
		if first == "" {
			first = ip.Address.IP.String()
		}
	}
	if first == "" {
		return "", errors.New("cni: the network gave the pod no address")
	}
	return first, nil
}
