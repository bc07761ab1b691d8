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
root=$work/root
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/var/run"
cp /bin/busybox "$root/bin/"
# Hard links, as in the suite's busybox image (a masked path that is a
# symlink would mask busybox itself); pgrep, which busybox-static lacks,
# as pidof.
for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln "$root/bin/busybox" "$root/bin/$a"; done
printf '#!/bin/sh\nexec pidof "$@"\n' >"$root/bin/pgrep" && chmod 755 "$root/bin/pgrep"
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\nuser:x:1000:50000::/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:\ngroup50000:x:50000:user\nnogroup:x:65534:\n' >"$root/etc/group"
mkdir -p "$root/www" && echo 'It works!' >"$root/www/index.html"
# add SRC DST copies a dynamic program and the libraries ldd finds.
add() {
	mkdir -p "$(dirname "$root$2")" && rm -f "$root$2" && cp "$1" "$root$2"
	for lib in $(ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$root$lib" ] || { mkdir -p "$(dirname "$root$lib")" && cp -L "$lib" "$root$lib"; }
	done
	if ldd "$1" | grep 'not found'; then exit 1; fi
}
debs=$bin-debs
for d in "$debs"/nginx_*.deb "$debs"/busybox_*.deb; do dpkg-deb -x "$d" "$work/deb"; done
# The shell is Debian's busybox without the standalone shell, as the
# suite's image has it: it runs /bin/ls rather than its own applet (the
# MaskedPaths spec masks /bin/ls and expects "Permission denied").
add "$work/deb/bin/busybox" /bin/sh
# ipcs (util-linux) for the HostIpc specs.
add /usr/bin/ipcs /usr/bin/ipcs
# The suite's web server, nginx (Debian's), master and workers with the
# pid file the PID namespace specs read; on port 80 for the web server
# specs.
add "$work/deb/usr/sbin/nginx" /usr/sbin/nginx
mkdir -p "$root/etc/nginx" "$root/var/log/nginx" "$root/var/lib/nginx" "$root/run"
printf 'user www-data;\npid /var/run/nginx.pid;\nevents {}\nhttp {\n\taccess_log off;\n\tserver { listen 80; root /www; }\n}\n' >"$root/etc/nginx/nginx.conf"
# The suite's nonewprivs image: a set-user-ID root program that prints
# its effective uid (Kubernetes' test/images/nonewprivs).
mkdir -p "$work/nnp"
printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Printf("Effective uid: %%d\\n", os.Geteuid()) }\n' >"$work/nnp/main.go"
(cd "$work/nnp" && CGO_ENABLED=0 go build -o "$root/usr/local/bin/nnp" main.go)
chmod 4755 "$root/usr/local/bin/nnp"
tar -C "$root" -c . >"$work/root.tar"
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
# The suite's httpd as busybox's on port 80.
seed e2e-test-images/httpd:latest 'CMD ["sh", "-c", "echo httpd serving /www; exec httpd -f -p 80 -h /www"]'
# The host-network port-forward spec's server, on its port 12003.
hostnet=k8s-staging-cri-tools/hostnet-nginx-$(go env GOARCH)
seed "$hostnet:latest" 'CMD ["httpd", "-f", "-p", "12003", "-h", "/www"]'
seed e2e-test-images/nginx:latest 'CMD ["nginx", "-g", "daemon off;"]'
seed e2e-test-images/nonewprivs:latest 'ENTRYPOINT ["/usr/local/bin/nnp"]'
# The specs of these four pull them under the prefix but create their
# containers by the public name (critest's own slip), so the daemon also
# gets them under that name (imported, not pulled).
public() { docker import -c "$2" "$work/root.tar" "$1" >/dev/null; }
public registry.k8s.io/e2e-test-images/httpd:2.4.39-4 'CMD ["sh", "-c", "echo httpd serving /www; exec httpd -f -p 80 -h /www"]'
public "gcr.io/$hostnet:latest" 'CMD ["httpd", "-f", "-p", "12003", "-h", "/www"]'
public registry.k8s.io/e2e-test-images/nginx:1.14-2 'CMD ["nginx", "-g", "daemon off;"]'
public registry.k8s.io/e2e-test-images/nonewprivs:1.3 'ENTRYPOINT ["/usr/local/bin/nnp"]'
printf 'defaultTestContainerImage: %s/e2e-test-images/busybox:latest\nwebServerTestImage: %s/e2e-test-images/nginx:latest\n' "$reg" "$reg" >"$work/images.yaml"
ep=unix://$exec_root/cri.sock
"$bin" -runtime-endpoint "$ep" -image-endpoint "$ep" -registry-prefix "$reg" \
	-test-images-file "$work/images.yaml" -ginkgo.no-color "$@"
