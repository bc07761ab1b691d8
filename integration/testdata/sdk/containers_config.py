"""Create-time settings as dockerd treats them: a bare -e NAME kept in
Config.Env (and out of the process environment), HostConfig.Runtime kept
and unknown runtimes refused, restart policies validated in dockerd's
words, Config.MacAddress honoured, a missing working directory created for
the container's user, an unknown network failing the start."""
import os

import docker

import common

c = common.client()
api = c.api
old = common.old_api(c)


def create_raw(body):
    """POST /containers/create with body as given (the SDK refuses some
    fields itself at old versions); returns the response."""
    return api._post_json(api._url("/containers/create"), data=body)


# -e NAME without a value (nothing in this environment): kept as given.
os.environ.pop("BERTH_SDK_UNSET", None)
ct = c.containers.create("busybox", "env", environment=["BERTH_SDK_UNSET", "A=1", "B="])
env = api.inspect_container(ct.id)["Config"]["Env"]
assert env[:3] == ["BERTH_SDK_UNSET", "A=1", "B="], env
ct.start()
assert ct.wait(timeout=30)["StatusCode"] == 0
out = ct.logs().decode()
assert "A=1\n" in out and "B=\n" in out and "BERTH_SDK_UNSET" not in out, out
ct.remove()

# Runtimes: the name asked for is kept; an unknown one is a 400.
want_unknown = (400, "unknown or invalid runtime name: nosuchrt")
if old:
    r = create_raw({"Image": "busybox", "Cmd": ["true"], "HostConfig": {"Runtime": "nosuchrt"}})
    assert (r.status_code, r.json()["message"]) == want_unknown, r.text
else:
    assert common.api_error(c.containers.create, "busybox", "true", runtime="nosuchrt") == want_unknown
    ct = c.containers.create("busybox", "true", runtime="runc")
    assert api.inspect_container(ct.id)["HostConfig"]["Runtime"] == "runc"
    ct.remove()

# Restart policies, dockerd's rules and words.
bad = [
    ({"Name": "bogus"}, "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"),
    ({"Name": "always", "MaximumRetryCount": 3}, "invalid restart policy: maximum retry count can only be used with 'on-failure'"),
    ({"Name": "no", "MaximumRetryCount": 1}, "invalid restart policy: maximum retry count can only be used with 'on-failure'"),
    ({"Name": "unless-stopped", "MaximumRetryCount": -1}, "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"),
    ({"Name": "on-failure", "MaximumRetryCount": -1}, "invalid restart policy: maximum retry count cannot be negative"),
]
for policy, msg in bad:
    got = common.api_error(c.containers.create, "busybox", "true", restart_policy=policy)
    assert got == (400, msg), (policy, got)
ct = c.containers.create("busybox", "sleep 100", restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
assert api.inspect_container(ct.id)["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
got = common.api_error(ct.update, restart_policy={"Name": "always", "MaximumRetryCount": 2})
assert got == (400, "invalid restart policy: maximum retry count can only be used with 'on-failure'"), got
got = common.api_error(ct.update, restart_policy={"Name": "bogus"})
assert got[0] == 400 and got[1].startswith("invalid restart policy: unknown policy 'bogus'"), got
ct.update(restart_policy={"Name": "unless-stopped"})
assert api.inspect_container(ct.id)["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
ct.remove()
autorm = (400, "can't create 'AutoRemove' container with restart policy")
if old:
    # Below API 1.25 the client removes an --rm container itself: dockerd
    # ignores AutoRemove, so nothing conflicts with the restart policy.
    r = create_raw({"Image": "busybox", "Cmd": ["true"], "HostConfig": {"AutoRemove": True, "RestartPolicy": {"Name": "always"}}})
    assert r.status_code == 201, r.text
    assert api.inspect_container(r.json()["Id"])["HostConfig"]["AutoRemove"] is False
    api.remove_container(r.json()["Id"])
else:
    assert common.api_error(c.containers.create, "busybox", "true", auto_remove=True, restart_policy={"Name": "always"}) == autorm

# The container-wide MacAddress (the SDK sends Config.MacAddress at every
# version): the endpoint gets it, and eth0 has it.
mac = "02:42:ac:11:ee:01"
ct = c.containers.run("busybox", "sleep 100", detach=True, mac_address=mac)
ins = api.inspect_container(ct.id)
assert ins["NetworkSettings"]["Networks"]["bridge"]["MacAddress"] == mac, ins["NetworkSettings"]
if "MacAddress" in ins["NetworkSettings"] or old:
    assert ins["NetworkSettings"]["MacAddress"] == mac, ins["NetworkSettings"]
res = ct.exec_run("cat /sys/class/net/eth0/address")
assert res.output.decode().strip() == mac, res
ct.remove(force=True)
if old:
    got = common.api_error(c.containers.create, "busybox", "true", mac_address=mac, network_mode="host")
    assert got == (400, "conflicting options: mac-address and the network mode"), got

# -w DIR: a missing working directory is made, owned by the container's user.
out = c.containers.run("busybox", ["sh", "-c", "pwd; stat -c %u:%g /newdir /newdir/sub; touch f"],
                       working_dir="/newdir/sub", user="1000:1000", remove=True)
assert out == b"/newdir/sub\n1000:1000\n1000:1000\n", out
out = c.containers.run("busybox", ["sh", "-c", "pwd; stat -c %u:%g /tmp"], working_dir="/tmp", user="1000:1000", remove=True)
assert out == b"/tmp\n0:0\n", out  # an existing directory keeps its owner

got = common.api_error(c.containers.create, "busybox", "true", working_dir="relative")
assert got == (400, "the working directory 'relative' is invalid, it needs to be an absolute path"), got

# An unknown network: the create goes through (no 404 that a client would
# take for a missing image), the start fails with dockerd's 404.
try:
    c.containers.run("busybox", "true", network="nosuchnet", name="nonet")
    raise AssertionError("run on an unknown network succeeded")
except docker.errors.NotFound as e:
    assert e.explanation == "network nosuchnet not found", e.explanation
assert c.containers.get("nonet").status == "created"
c.containers.get("nonet").remove()
print("ok")
