package image

import (
	"github.com/opencontainers/go-digest"
)

// ChainIDs returns the chain IDs of a layer stack given by its diff IDs
// (OCI image spec: ChainID(L0) = DiffID(L0), ChainID(Ln) =
// sha256(ChainID(Ln-1) + " " + DiffID(Ln))).
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, 0, len(diffIDs))
	var prev digest.Digest
	for _, d := range diffIDs {
		if prev == "" {
			prev = d
		} else {
			prev = digest.FromString(prev.String() + " " + d.String())
		}
		out = append(out, prev)
	}
	return out
}

// EmptyLayerDiffID is the diff ID of an empty tar (1024 zero bytes), the
// layer of a commit that changed nothing.
const EmptyLayerDiffID = digest.Digest("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
