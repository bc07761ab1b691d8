"""Networks through the SDK as against dockerd: IPAM config (subnet,
gateway, ip range), fixed addresses and aliases at create and at connect,
internal, attachable, labels, driver options, duplicate names refused,
list filters, inspect shapes, prune."""
import random
import sys

import docker
from docker.types import IPAMConfig, IPAMPool

import common

c = common.client()
api = c.api
old = api._version == "1.24"
tag = "%04x" % random.randrange(1 << 16)
o2 = random.randrange(100, 250)
subnet, gw, rng = "10.%d.0.0/16" % o2, "10.%d.0.1" % o2, "10.%d.5.0/24" % o2
name = "bt-net-" + tag

ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet, gateway=gw, iprange=rng)])
net = c.networks.create(name, driver="bridge", ipam=ipam, labels={"app": tag},
                        options={"com.docker.network.bridge.enable_icc": "true"},
                        attachable=True, check_duplicate=True)
a = net.attrs
for k in ["Name", "Id", "Created", "Scope", "Driver", "EnableIPv6", "IPAM", "Internal", "Attachable",
          "Ingress", "ConfigFrom", "ConfigOnly", "Containers", "Options", "Labels"]:
    assert k in a, (k, sorted(a))
assert (a["Name"], a["Scope"], a["Driver"]) == (name, "local", "bridge"), a
assert (a["EnableIPv6"], a["Internal"], a["Attachable"], a["Ingress"], a["ConfigOnly"]) == (False, False, True, False, False), a
assert a["ConfigFrom"] == {"Network": ""}, a["ConfigFrom"]
assert a["IPAM"]["Driver"] == "default", a["IPAM"]
assert a["IPAM"]["Config"] == [{"Subnet": subnet, "Gateway": gw, "IPRange": rng}], a["IPAM"]["Config"]
assert a["Labels"] == {"app": tag}, a["Labels"]
assert a["Options"].get("com.docker.network.bridge.enable_icc") == "true", a["Options"]
assert a["Containers"] == {}, a["Containers"]
if old:
    assert "EnableIPv4" not in a, "EnableIPv4 came with API 1.47"

# Duplicate names are refused, with or without CheckDuplicate.
for check in (True, False):
    try:
        c.networks.create(name, check_duplicate=check)
    except docker.errors.APIError as e:
        assert e.status_code == 409, e
        assert e.explanation == "network with name %s already exists" % name, e.explanation
    else:
        raise AssertionError("duplicate network created")

internal = c.networks.create(name + "-int", internal=True, labels={"app": tag})
assert internal.attrs["Internal"] is True and internal.attrs["Attachable"] is False, internal.attrs

# Filters: name, id, label, driver.
# name matches a part of the name, as dockerd's filter does.
assert sorted(n.id for n in c.networks.list(names=[name])) == sorted([net.id, internal.id])
assert [n.id for n in c.networks.list(names=[name + "-int"])] == [internal.id]
assert [n.id for n in c.networks.list(ids=[net.id])] == [net.id]
assert sorted(n.id for n in c.networks.list(filters={"label": "app=" + tag})) == sorted([net.id, internal.id])
assert net.id in [n.id for n in c.networks.list(filters={"driver": "bridge"})]
assert not c.networks.list(filters={"driver": "nosuchdriver"})

# A fixed address and an alias at create...
ip1, ip2 = "10.%d.5.9" % o2, "10.%d.5.7" % o2
ncfg = api.create_networking_config({name: api.create_endpoint_config(aliases=["first-" + tag], ipv4_address=ip1)})
c1 = api.create_container("busybox", ["sleep", "300"], name="bt-c1-" + tag, networking_config=ncfg,
                          host_config=api.create_host_config(network_mode=name))["Id"]
api.start(c1)
# ... and at connect, before the start.
c2 = c.containers.create("busybox", ["sleep", "300"], name="bt-c2-" + tag)
net.connect(c2, ipv4_address=ip2, aliases=["second-" + tag])
c2.start()
try:
    ep1 = api.inspect_container(c1)["NetworkSettings"]["Networks"][name]
    assert ep1["IPAddress"] == ip1 and ep1["IPAMConfig"]["IPv4Address"] == ip1, ep1
    assert "first-" + tag in ep1["Aliases"], ep1
    assert ep1["Gateway"] == gw and ep1["IPPrefixLen"] == 16 and ep1["NetworkID"] == net.id, ep1
    c2.reload()
    ep2 = c2.attrs["NetworkSettings"]["Networks"][name]
    assert ep2["IPAddress"] == ip2 and "second-" + tag in ep2["Aliases"], ep2
    assert "bridge" in c2.attrs["NetworkSettings"]["Networks"], c2.attrs["NetworkSettings"]["Networks"]
    out = c2.exec_run(["ip", "-4", "addr"]).output.decode()
    assert ip2 + "/16" in out, out
    # Both aliases resolve through the embedded DNS of c1 (on the network
    # first), and c1 reaches c2 at its fixed address.
    for alias, ip in (("first-" + tag, ip1), ("second-" + tag, ip2)):
        out = api.exec_start(api.exec_create(c1, ["nslookup", alias, "127.0.0.11"])).decode()
        assert "Address: " + ip in out, (alias, out)
    # c2, on the default bridge first, uses the embedded DNS too, as with
    # dockerd: it has an endpoint on a user network.
    out = c2.exec_run(["nslookup", "first-" + tag]).output.decode()
    assert "Address: " + ip1 in out, out
    res = api.exec_start(api.exec_create(c1, ["ping", "-c3", "-W5", ip2])).decode()
    assert " 0% packet loss" in res or "3 packets received" in res, res

    # The greedy list shows the containers too (before API 1.28 from the
    # list itself, after from each network's inspect).
    listed = c.networks.list(ids=[net.id], greedy=True)
    assert set(listed[0].attrs["Containers"]) == {c1, c2.id}, listed[0].attrs
    net.reload()
    ctrs = net.attrs["Containers"]
    assert set(ctrs) == {c1, c2.id}, ctrs
    for cid, ip, ep in ((c1, ip1, ep1), (c2.id, ip2, ep2)):
        e = ctrs[cid]
        assert sorted(e) == ["EndpointID", "IPv4Address", "IPv6Address", "MacAddress", "Name"], e
        assert e["IPv4Address"] == ip + "/16" and e["EndpointID"] == ep["EndpointID"], (e, ep)
        assert e["MacAddress"] == ep["MacAddress"] and e["MacAddress"], (e, ep)
    assert ctrs[c1]["Name"] == "bt-c1-" + tag, ctrs

    # A network in use is not removed nor pruned.
    try:
        net.remove()
    except docker.errors.APIError as e:
        assert e.status_code == 403 or e.status_code == 409, e
    else:
        raise AssertionError("removed a network in use")
    net.disconnect(c2)
    c2.reload()
    assert name not in c2.attrs["NetworkSettings"]["Networks"], c2.attrs["NetworkSettings"]["Networks"]
finally:
    api.remove_container(c1, force=True)
    c2.remove(force=True)

if old:
    # The SDK has no prune before API 1.25.
    net.remove()
    internal.remove()
else:
    keep = c.networks.create(name + "-keep", labels={"keep": "1"})
    rep = c.networks.prune(filters={"label!": "keep"})
    assert sorted(n for n in rep["NetworksDeleted"] if n.startswith(name)) == sorted([name, name + "-int"]), rep
    assert c.networks.get(keep.id).name == name + "-keep"
    keep.remove()
for n in (name, name + "-int"):
    try:
        c.networks.get(n)
    except docker.errors.NotFound:
        pass
    else:
        raise AssertionError(n + " still there")
print("ok")
