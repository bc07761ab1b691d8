#!/bin/sh
# Builds Kubernetes' kubelet (k8s.io/kubernetes/cmd/kubelet) from the Go
# module proxy into $1 unless it is there already. TestCRIKubeletStaticPod
# runs it standalone on berth's CRI socket; .ci/run builds it once per machine.
#
# k8s.io/kubernetes replaces its staging modules (k8s.io/api, k8s.io/client-go…)
# with paths inside its own tree, so `go install …@version` refuses it. A
# wrapper module requires it and replaces each of those modules, read from its
# go.mod, with its release of the same minor (v0.37.x for v1.37.x).
set -eu
out=${1:-/var/cache/berth-test/kubelet}
version=v1.37.2
staging=v0.${version#v1.}
minor=${staging#v0.}; minor=${minor%%.*}
. "$(dirname "$0")/tool-cache.sh"
cd "$work"
printf 'module berth.test/kubelet\n\ngo 1.26\n' >go.mod
gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => \./staging/.*#\1#p' "$gomod"); do
	go mod edit -replace="$m=$m@$staging"
done
quiet() { "$@" >log 2>&1 || { cat log >&2; exit 1; }; }
quiet go get "k8s.io/kubernetes/cmd/kubelet@$version"
CGO_ENABLED=0 quiet go build -trimpath -o kubelet \
	-ldflags "-X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
	k8s.io/kubernetes/cmd/kubelet
mv kubelet "$out"
