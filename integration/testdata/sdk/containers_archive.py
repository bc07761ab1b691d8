"""put_archive and get_archive at the paths the SDK uses, into running and
stopped containers: "/", a nested existing directory, a missing path (404
as dockerd), a file as the target (refused), and a round trip."""
import io
import tarfile

import docker

import common

c = common.client()


def tar_of(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o640
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


def untar(chunks):
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as t:
        return {m.name: (t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()}


for running in (True, False):
    ct = c.containers.create("busybox", "sleep 300")
    if running:
        ct.start()
    tag = b"running" if running else b"stopped"
    assert ct.put_archive("/", tar_of({"at-root.txt": tag})) is True
    assert ct.put_archive("/", tar_of({"lvl1/lvl2/keep": b""})) is True
    assert ct.put_archive("/lvl1/lvl2", tar_of({"nested/deeper.txt": tag + b"-nested"})) is True
    assert ct.put_archive("/etc", tar_of({"in-etc.txt": b"etc"})) is True
    try:
        ct.put_archive("/no/such/dir", tar_of({"x": b"x"}))
        raise AssertionError("put_archive into a missing directory succeeded")
    except docker.errors.NotFound as e:
        assert e.explanation == "Could not find the file /no/such/dir in container %s" % ct.id, e.explanation
    try:
        ct.put_archive("/etc/passwd", tar_of({"x": b"x"}))
        raise AssertionError("put_archive onto a file succeeded")
    except docker.errors.APIError as e:
        assert "extraction point is not a directory" in e.explanation, e.explanation
    try:
        ct.get_archive("/no/such")
        raise AssertionError("get_archive of a missing path succeeded")
    except docker.errors.NotFound as e:
        assert e.explanation == "Could not find the file /no/such in container %s" % ct.id, e.explanation

    bits, stat = ct.get_archive("/at-root.txt")
    assert stat["name"] == "at-root.txt" and stat["size"] == len(tag) and stat["mode"] == 0o640, stat
    assert untar(bits) == {"at-root.txt": tag}
    bits, stat = ct.get_archive("/lvl1/lvl2/nested")
    assert stat["name"] == "nested" and stat["mode"] & (1 << 31), stat  # Go's os.ModeDir
    assert untar(bits)["nested/deeper.txt"] == tag + b"-nested"
    # A round trip: what get_archive gives, put_archive takes back.
    bits, _ = ct.get_archive("/lvl1/lvl2/nested")
    assert ct.put_archive("/tmp", b"".join(bits)) is True
    bits, _ = ct.get_archive("/tmp/nested/deeper.txt")
    assert untar(bits) == {"deeper.txt": tag + b"-nested"}
    if not running:
        ct.start()
    out = ct.exec_run("cat /at-root.txt /lvl1/lvl2/nested/deeper.txt /etc/in-etc.txt /tmp/nested/deeper.txt").output
    assert out == tag + tag + b"-nested" + b"etc" + tag + b"-nested", out
    ct.remove(force=True)
print("ok")
