"""Exec as dockerd does it: a detached start returns at once and the
command runs; a start over a hijacked socket; a TTY exec's output raw (no
stream headers); exit codes through exec inspect once the exec ends."""
import socket
import time

import common

c = common.client()
api = c.api
ct = c.containers.run("busybox", "sleep 300", detach=True)


def wait_exec(exec_id, timeout=10):
    deadline = time.time() + timeout
    while True:
        ins = api.exec_inspect(exec_id)
        if not ins["Running"] and ins["ExitCode"] is not None:
            return ins
        assert time.time() < deadline, ins
        time.sleep(0.05)


# Detach: returns before the command ends (which it cannot do until /tmp/go
# exists), and the command runs.
e = api.exec_create(ct.id, ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done > /tmp/detached; exit 4"])
assert api.exec_start(e["Id"], detach=True) in (b"", "", None)
assert api.exec_inspect(e["Id"])["Running"] is True
assert e["Id"] in api.inspect_container(ct.id)["ExecIDs"]
assert ct.exec_run("touch /tmp/go").exit_code == 0
ins = wait_exec(e["Id"])
assert ins["ExitCode"] == 4 and ins["Running"] is False, ins
assert ct.exec_run("cat /tmp/detached").output == b"done\n"
# A finished exec cannot start again.
got = common.api_error(api.exec_start, e["Id"], detach=True)
assert got == (409, "Error: Exec command %s has already run" % e["Id"]), got

# Exit codes, and the shape of exec inspect.
for code in (0, 1, 7, 127):
    e = api.exec_create(ct.id, ["sh", "-c", "exit %d" % code])
    api.exec_start(e["Id"])
    ins = wait_exec(e["Id"])
    assert ins["ExitCode"] == code and ins["Running"] is False, ins
    assert ins["ContainerID"] == ct.id and ins["ProcessConfig"]["entrypoint"] == "sh", ins
assert ct.exec_run("nosuchcommand").exit_code in (126, 127)

# A TTY exec: raw output, no 8-byte stream headers.
e = api.exec_create(ct.id, ["echo", "rawtty"], tty=True)
assert api.exec_start(e["Id"], tty=True) == b"rawtty\r\n"
res = ct.exec_run(["sh", "-c", "printf abc"], tty=True)
assert res.output == b"abc" and res.exit_code == 0, res

# Without a TTY and demuxed: stdout and stderr apart.
res = ct.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"], demux=True)
assert res.exit_code == 3 and res.output == (b"out\n", b"err\n"), res


def read_all(sock, timeout=10):
    raw = getattr(sock, "_sock", sock)
    raw.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = raw.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


# A start over the hijacked socket, with stdin: what is written comes back.
e = api.exec_create(ct.id, ["cat"], stdin=True)
s = api.exec_start(e["Id"], socket=True)
raw = getattr(s, "_sock", s)
raw.sendall(b"through the socket\n")
raw.shutdown(socket.SHUT_WR)
data = read_all(s)
# Multiplexed: a header (stream 1, big-endian length) before the payload.
assert data == b"\x01\x00\x00\x00\x00\x00\x00\x13through the socket\n", data
assert wait_exec(e["Id"])["ExitCode"] == 0

# The same over the socket with a TTY: raw bytes.
e = api.exec_create(ct.id, ["echo", "ttysock"], tty=True)
data = read_all(api.exec_start(e["Id"], socket=True, tty=True))
assert data == b"ttysock\r\n", data

# Streamed output.
chunks = list(api.exec_start(api.exec_create(ct.id, ["sh", "-c", "echo a; sleep 0.2; echo b"])["Id"], stream=True))
assert b"".join(chunks) == b"a\nb\n", chunks

if not common.old_api(c):
    res = ct.exec_run(["sh", "-c", "echo $A; pwd; id -u"], environment={"A": "b"}, workdir="/tmp", user="1000")
    assert res.output == b"b\n/tmp\n1000\n", res
# Ended execs leave the container's ExecIDs (and stay inspectable).
assert api.inspect_container(ct.id)["ExecIDs"] is None, api.inspect_container(ct.id)["ExecIDs"]
assert api.exec_inspect(e["Id"])["Running"] is False
ct.remove(force=True)
print("ok")
