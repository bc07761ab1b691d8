package mount

// Mount is one mount described as data, as in the OCI runtime spec and
// containerd's snapshotter API: `mount -t Type -o Options Source target`.
type Mount struct {
	Type    string   `json:"type"`
	Source  string   `json:"source"`
	Options []string `json:"options,omitempty"`
}
