// Package initbin is the init that --init runs as a container's PID 1
// (Docker's docker-init, bind-mounted at /sbin/docker-init). It owns
//
//   - the choice of the init, once at daemon start: berth's own binary
//     when it is statically linked, else a static tini on PATH, else none
//     (Setup; Unavailable says why);
//   - the sealed copy containers get instead of the host binary: an
//     immutable file alone on a read-only tmpfs of its own, so a container
//     cannot overwrite the init through /proc/1/exe (CVE-2019-5736), and
//     its removal (Release);
//   - the init's name shown by info (Name).
package initbin
