"""A broad pass over the SDK's container and system calls: lifecycle,
logs, stats, top, rename, update, diff, export, commit, attach, inspect
shapes, ping/version/info/df and events with since/until."""
import datetime
import io
import tarfile
import time

import docker

import common

c = common.client()
api = c.api
old = common.old_api(c)

assert c.ping() is True
v = c.version()
assert v["ApiVersion"] and v["MinAPIVersion"] == "1.24" and v["Os"] == "linux", v
info = c.info()
assert info["Swarm"]["LocalNodeState"] == "inactive" and "Runtimes" in info, info
if not old:
    df = c.df()
    assert set(["LayersSize", "Images", "Containers", "Volumes"]) <= set(df), df.keys()

since = datetime.datetime.utcnow() - datetime.timedelta(seconds=1)
ct = c.containers.run("busybox", ["sh", "-c", "trap 'exit 0' TERM; echo hi; echo err >&2; while true; do sleep 0.1; done"],
                      detach=True, name="smoke")
deadline = time.time() + 10
# stdout and stderr are two pipes: their relative order is not kept.
while sorted(ct.logs().splitlines()) != [b"err", b"hi"]:
    assert time.time() < deadline, ct.logs()
    time.sleep(0.05)
assert ct.logs(stdout=False) == b"err\n"
assert ct.logs(stderr=False) == b"hi\n"
assert ct.logs(timestamps=True).decode().split(" ", 1)[0].endswith("Z")
assert sorted(ct.logs(since=since).splitlines()) == [b"err", b"hi"]

top = ct.top()
assert "PID" in top["Titles"] and any("sh" in " ".join(p) for p in top["Processes"]), top
assert "USER" in ct.top(ps_args="aux")["Titles"]
st = ct.stats(stream=False)
assert {"read", "cpu_stats", "memory_stats", "pids_stats", "networks"} <= set(st), st.keys()
assert st["pids_stats"]["current"] >= 1, st["pids_stats"]
assert next(ct.stats(decode=True))["read"]

ct.pause()
ct.reload()
assert ct.status == "paused" and ct.attrs["State"]["Paused"] is True
ct.unpause()
ct.reload()
assert ct.status == "running"

ct.rename("smoke2")
other = c.containers.create("busybox", "true", name="smoke-other")
got = common.api_error(other.rename, "smoke2")
assert got[0] == 409 and got[1].startswith('Error when allocating new name: Conflict. The container name "/smoke2" is already in use'), got
got = common.api_error(c.containers.create, "busybox", "true", name="/a/b")
assert got == (400, "Invalid container name (/a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"), got
other.remove()
ct.reload()
assert ct.name == "smoke2"
assert ct.update(mem_limit="64m", memswap_limit="128m", cpu_shares=512)["Warnings"] in ([], None)
hc = api.inspect_container(ct.id)["HostConfig"]
assert hc["Memory"] == 64 << 20 and hc["MemorySwap"] == 128 << 20 and hc["CpuShares"] == 512, hc



def wait_his(n):
    """Waits for the n-th start's "hi": the TERM trap is set by then."""
    deadline = time.time() + 10
    while ct.logs(stderr=False).count(b"hi\n") < n:
        assert time.time() < deadline, ct.logs()
        time.sleep(0.05)


pid = api.inspect_container(ct.id)["State"]["Pid"]
ct.restart(timeout=5)
wait_his(2)
ins = api.inspect_container(ct.id)
assert ins["State"]["Running"] and ins["State"]["Pid"] != pid and ins["RestartCount"] == 0, ins["State"]
ct.kill(signal="SIGTERM")  # the trap exits 0
assert ct.wait(timeout=30)["StatusCode"] == 0
ct.start()
wait_his(3)
ct.stop(timeout=5)
assert ct.wait(timeout=30)["StatusCode"] == 0
ins = api.inspect_container(ct.id)
assert ins["State"]["Status"] == "exited" and ins["State"]["Running"] is False, ins["State"]

ct.start()
ct.exec_run("sh -c 'echo new > /newfile; rm /etc/group'")
changes = {(d["Path"], d["Kind"]) for d in ct.diff()}
assert ("/newfile", 1) in changes and ("/etc/group", 2) in changes and ("/etc", 0) in changes, changes
exported = b"".join(ct.export())
with tarfile.open(fileobj=io.BytesIO(exported)) as t:
    names = t.getnames()
assert "newfile" in names or "./newfile" in names, names[:10]
img = ct.commit(repository="smokeimg", tag="v1", message="msg", author="me", changes=["ENV X=1"])
iattrs = c.images.get("smokeimg:v1").attrs
assert iattrs["Id"] == img.id and iattrs["Author"] == "me" and iattrs["Comment"] == "msg", iattrs
assert "X=1" in iattrs["Config"]["Env"], iattrs["Config"]
assert c.containers.run("smokeimg:v1", "cat /newfile", remove=True) == b"new\n"

# Attach: a stream of the output of a container started after attaching.
a = c.containers.create("busybox", ["sh", "-c", "sleep 0.3; echo attached; echo err >&2"])
stream = a.attach(stdout=True, stderr=True, stream=True, logs=True)
a.start()
got = b"".join(stream)
assert sorted(got.splitlines()) == [b"attached", b"err"], got
assert a.wait(timeout=30)["StatusCode"] == 0
a.remove()

# Inspect shapes.
ins = api.inspect_container(ct.id)
for k in ("Id", "Created", "Path", "Args", "State", "Image", "Name", "RestartCount", "Driver", "HostConfig",
          "Mounts", "Config", "NetworkSettings", "LogPath", "HostnamePath", "HostsPath", "ResolvConfPath"):
    assert k in ins, k
assert ins["Name"] == "/smoke2" and ins["Path"] == "sh" and ins["Config"]["Image"] == "busybox", ins
assert ins["NetworkSettings"]["Networks"]["bridge"]["IPAddress"], ins["NetworkSettings"]
# What dockerd records at create for settings left empty.
hc = ins["HostConfig"]
major, minor = api.api_version.split(".")
assert hc["IpcMode"] == ("shareable" if (int(major), int(minor)) < (1, 40) else "private"), hc["IpcMode"]
assert hc["CgroupnsMode"] in ("host", "private") and hc["OomKillDisable"] is False, hc
assert "/proc/kcore" in hc["MaskedPaths"] and "/proc/sys" in hc["ReadonlyPaths"], hc
assert hc["ShmSize"] == 64 << 20, hc["ShmSize"]
if old:
    assert ins["NetworkSettings"]["IPAddress"] == ins["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
summary = api.containers(filters={"name": "smoke2"})
assert len(summary) == 1 and summary[0]["Names"] == ["/smoke2"] and summary[0]["State"] == "running", summary
assert [x.id for x in c.containers.list(filters={"status": "running"})] == [ct.id]
# Sizes: the writable layer, and the whole root filesystem (image too).
sized = api.containers(size=True, filters={"id": ct.id})[0]
assert sized["SizeRootFs"] > sized.get("SizeRw", 0) > 0, sized
if not old:
    du = [x for x in c.df()["Containers"] if x["Id"] == ct.id][0]
    assert du["SizeRootFs"] > du["SizeRw"] > 0, du
full = api._result(api._get(api._url("/containers/{0}/json", ct.id), params={"size": 1}), True)
assert full["SizeRootFs"] > full["SizeRw"] > 0, (full.get("SizeRw"), full.get("SizeRootFs"))

# run: output, errors, removal.
assert c.containers.run("busybox", "echo x", remove=True) == b"x\n"
try:
    c.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 2"], remove=True)
    raise AssertionError("a failing run did not raise")
except docker.errors.ContainerError as e:
    assert e.exit_status == 2 and e.stderr == b"bad\n", (e.exit_status, e.stderr)
until = datetime.datetime.utcnow() + datetime.timedelta(seconds=1)
time.sleep(1)
events = list(c.events(since=since, until=until, decode=True, filters={"type": "container", "container": ct.id}))
actions = [e.get("Action") or e.get("status") for e in events]
for want in ("create", "start", "pause", "unpause", "rename", "update", "kill", "die", "stop", "restart", "commit"):
    assert want in actions, (want, actions)
assert all(e["Actor"]["ID"] == ct.id and e["Type"] == "container" for e in events), events[:3]
major, minor = api.api_version.split(".")
if (int(major), int(minor)) < (1, 52):
    # The fields API 1.22 deprecated, still sent to older clients.
    for e in events:
        assert e["id"] == ct.id and e["status"] == e["Action"] and e["from"] == "busybox", e
ct.remove(force=True, v=True)
try:
    ct.reload()
    raise AssertionError("removed container still inspects")
except docker.errors.NotFound:
    pass
if not old:
    assert c.containers.prune()["ContainersDeleted"] is not None or True
print("ok")
