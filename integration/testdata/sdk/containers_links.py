"""DELETE /containers/PARENT/ALIAS?link=1 (`docker rm --link`) removes a
legacy link: its /etc/hosts line in the running parent and its entry in
HostConfig.Links go; the linked container lives on."""
import docker

import common

c = common.client()
api = c.api

target = c.containers.run("busybox", "sleep 300", detach=True, name="linktarget")
parent = c.containers.run("busybox", "sleep 300", detach=True, name="linkparent",
                          links={"linktarget": "db", })
ip = api.inspect_container(target.id)["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
hosts = parent.exec_run("cat /etc/hosts").output.decode()
assert any(l.split()[:2] == [ip, "db"] for l in hosts.splitlines()), hosts
assert api.inspect_container(parent.id)["HostConfig"]["Links"] == ["/linktarget:/linkparent/db"]

# Not a link of the parent: 404, as dockerd answers.
try:
    api.remove_container("linkparent/nosuch", link=True)
    raise AssertionError("removing a missing link succeeded")
except docker.errors.NotFound as e:
    assert e.explanation == "No such container: linkparent/nosuch", e.explanation

api.remove_container("linkparent/db", link=True)
hosts = parent.exec_run("cat /etc/hosts").output.decode()
assert not any("db" in l.split()[1:] for l in hosts.splitlines()), hosts
assert "localhost" in hosts and parent.attrs["Config"]["Hostname"] in hosts, hosts
assert api.inspect_container(parent.id)["HostConfig"]["Links"] is None
assert c.containers.get("linktarget").status == "running"
try:
    api.remove_container("linkparent/db", link=True)
    raise AssertionError("removing a link twice succeeded")
except docker.errors.NotFound:
    pass
# The link is gone for good: a restart does not bring it back.
parent.restart(timeout=1)
hosts = parent.exec_run("cat /etc/hosts").output.decode()
assert not any("db" in l.split()[1:] for l in hosts.splitlines()), hosts

# A stopped parent: the link leaves its config, the next start has no line.
parent2 = c.containers.create("busybox", "sleep 300", name="linkparent2", links={"linktarget": "cache"})
api.remove_container("/linkparent2/cache", link=True)
assert api.inspect_container(parent2.id)["HostConfig"]["Links"] is None
parent2.start()
hosts = parent2.exec_run("cat /etc/hosts").output.decode()
assert "cache" not in hosts, hosts
for ct in (parent, parent2, target):
    ct.remove(force=True)
print("ok")
