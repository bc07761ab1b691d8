#!/usr/bin/env bash
# Creates the local image "busybox" from Debian's busybox-static by importing a
# tiny root filesystem through berth's own import (no registry needed).
set -euo pipefail
BERTH=${BERTH:-berth}
BB=/bin/busybox
if [ ! -x "$BB" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
	echo "installing Debian's busybox-static for the local busybox image" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2; }
fi
[ -x "$BB" ] || { echo "busybox-static is required: apt-get install busybox-static" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,var,run,home}
chmod 1777 "$tmp/tmp"
cp "$BB" "$tmp/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$tmp/etc/group"
tar -C "$tmp" -c . | "$BERTH" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - busybox:latest
