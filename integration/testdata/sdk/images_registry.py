"""push, get_registry_data (GET /distribution/{name}/json) and pull through
the SDK against a local registry (its host:port is argv[1])."""
import platform
import sys

import docker

import common

host = sys.argv[1]
c = common.client()
repo = host + "/bt/sdk"
c.images.get("busybox").tag(repo, "1")
digest = None
for m in c.api.push(repo, tag="1", stream=True, decode=True):
    assert "error" not in m, m
    if "aux" in m and "Digest" in m["aux"]:
        digest = m["aux"]["Digest"]
assert digest and digest.startswith("sha256:"), digest

# The SDK has no inspect_distribution before API 1.30.
if c.api._version != "1.24":
    rd = c.images.get_registry_data(repo + ":1")
    assert rd.id == digest, (rd.id, digest)
    d = rd.attrs["Descriptor"]
    assert d["digest"] == digest and d["size"] > 0 and "manifest" in d["mediaType"], d
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    assert rd.has_platform("linux/" + arch), rd.attrs["Platforms"]
    assert not rd.has_platform("windows/" + arch), rd.attrs["Platforms"]

    try:
        c.images.get_registry_data(repo + ":nosuchtag")
    except docker.errors.NotFound as e:
        assert "manifest unknown" in str(e.explanation), e.explanation
    else:
        raise AssertionError("registry data of a missing tag")

c.images.remove(repo + ":1")
img = c.images.pull(repo, tag="1")
assert img.id == c.images.get("busybox").id, img
assert repo + "@" + digest in img.attrs["RepoDigests"], img.attrs["RepoDigests"]
print("ok")
