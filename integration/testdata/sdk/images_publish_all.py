"""run -P (publish_all_ports) publishes the ports the image EXPOSEs, not
only those given at create; inspect shows them."""
import io

import common

c = common.client()
df = b"FROM busybox\nEXPOSE 8080 9090/udp\n"
img, _ = c.images.build(fileobj=io.BytesIO(df), tag="bt-expose:1")
assert set(img.attrs["Config"]["ExposedPorts"]) == {"8080/tcp", "9090/udp"}, img.attrs["Config"]
ctr = c.containers.run("bt-expose:1", ["sleep", "60"], detach=True, publish_all_ports=True, ports={"7070/tcp": None})
try:
    ctr.reload()
    a = ctr.attrs
    assert a["HostConfig"]["PublishAllPorts"] is True, a["HostConfig"]
    assert set(a["Config"]["ExposedPorts"]) == {"7070/tcp", "8080/tcp", "9090/udp"}, a["Config"]["ExposedPorts"]
    ports = a["NetworkSettings"]["Ports"]
    assert set(ports) == {"7070/tcp", "8080/tcp", "9090/udp"}, ports
    for p, binds in ports.items():
        assert binds and all(int(b["HostPort"]) > 0 for b in binds), (p, binds)
    assert c.api.port(ctr.id, 8080) == ports["8080/tcp"], (c.api.port(ctr.id, 8080), ports)
finally:
    ctr.remove(force=True)
print("ok")
