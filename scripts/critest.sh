#!/bin/sh
# Runs Kubernetes' CRI validation suite (critest, sigs.k8s.io/cri-tools
# v1.37.0) against a berth daemon: scripts/critest.sh SOCKET EXEC_ROOT REGISTRY
# with the daemon's API socket and exec root (its CRI is <exec-root>/cri.sock)
# and a local registry (host:port) to seed with the suite's test images:
# busybox-static's applets with the users the image tests expect (no public
# registry is reachable here). Extra arguments go to critest
# (-ginkgo.focus=…). critest is built once (scripts/critest-build.sh) into
# /var/cache/berth-test, or $CRITEST.
set -eu
sock=$1 exec_root=$2 reg=$3
shift 3
bin=${CRITEST:-/var/cache/berth-test/critest}
"$(dirname "$0")/critest-build.sh" "$bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/etc" "$work/root/tmp" "$work/root/var/run"
cp /bin/busybox "$work/root/bin/"
# Hard links, as in the suite's busybox image (a masked path that is a
# symlink would mask busybox itself); pgrep, which busybox-static lacks,
# as pidof.
for a in $(/bin/busybox --list); do [ -e "$work/root/bin/$a" ] || ln "$work/root/bin/busybox" "$work/root/bin/$a"; done
printf '#!/bin/sh\nexec pidof "$@"\n' >"$work/root/bin/pgrep" && chmod 755 "$work/root/bin/pgrep"
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\nuser:x:1000:50000::/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$work/root/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:\ngroup50000:x:50000:user\nnogroup:x:65534:\n' >"$work/root/etc/group"
mkdir -p "$work/root/www" && echo 'It works!' >"$work/root/www/index.html"
tar -C "$work/root" -c . >"$work/root.tar"
export DOCKER_HOST=unix://$sock
seed() {
	docker import -c "$2" "$work/root.tar" "$reg/$1" >/dev/null
	docker push "$reg/$1" >/dev/null
	docker rmi "$reg/$1" >/dev/null
}
# critest v1.37 keeps only the path of an image under a -registry-prefix
# that has a port (framework.PrepareImageName): each is pulled as :latest.
seed e2e-test-images/busybox:latest 'CMD ["sh"]'
for i in test-image-latest test-image-tag test-image-tags; do
	seed k8s-staging-cri-tools/$i:latest 'CMD ["sh"]'
done
seed k8s-staging-cri-tools/test-image-user-uid 'USER 1002'
seed k8s-staging-cri-tools/test-image-user-username 'USER www-data'
seed k8s-staging-cri-tools/test-image-user-uid-group 'USER 1003:1003'
seed k8s-staging-cri-tools/test-image-user-username-group 'USER www-data:www-data'
seed k8s-staging-cri-tools/test-image-predefined-group 'USER 1000'
seed pause:latest 'CMD ["sleep", "1000000"]'
# The suite's web servers (httpd, nginx) as busybox's httpd on port 80.
seed e2e-test-images/httpd:latest 'CMD ["sh", "-c", "echo httpd serving /www; exec httpd -f -p 80 -h /www"]'
seed e2e-test-images/nginx:latest 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]'
# The host-network port-forward spec's server, on its port 12003. The spec
# pulls it under the prefix but creates its container by the public name,
# so the daemon also gets it under that name (imported, not pulled).
hostnet=k8s-staging-cri-tools/hostnet-nginx-$(go env GOARCH):latest
seed "$hostnet" 'CMD ["httpd", "-f", "-p", "12003", "-h", "/www"]'
docker import -c 'CMD ["httpd", "-f", "-p", "12003", "-h", "/www"]' "$work/root.tar" "gcr.io/$hostnet" >/dev/null
printf 'defaultTestContainerImage: %s/e2e-test-images/busybox:latest\nwebServerTestImage: %s/e2e-test-images/nginx:latest\n' "$reg" "$reg" >"$work/images.yaml"
ep=unix://$exec_root/cri.sock
"$bin" -runtime-endpoint "$ep" -image-endpoint "$ep" -registry-prefix "$reg" \
	-test-images-file "$work/images.yaml" -ginkgo.no-color "$@"
