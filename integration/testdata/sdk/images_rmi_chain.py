"""images.remove of an image's last tag deletes it and the parents that
nothing else uses, with dockerd's list of Untagged/Deleted entries; another
tag only untags; an image a container uses is refused."""
import io
import json

import docker

import common

c = common.client()
df = b"FROM busybox\nRUN head -c 3000000 /dev/urandom > /big\nRUN echo two > /two\n"
img, _ = c.images.build(fileobj=io.BytesIO(df), tag="bt-rmi:1", rm=True)
img.tag("bt-rmi", "2")
chain = [h["Id"] for h in img.history()][:2]  # the image and its first step's image
assert chain[0] == img.id and "<missing>" not in chain, chain

assert c.api.remove_image("bt-rmi:2") == [{"Untagged": "bt-rmi:2"}]
assert c.images.get(img.id).tags == ["bt-rmi:1"]

ctr = c.containers.create("bt-rmi:1", ["true"])
try:
    c.api.remove_image("bt-rmi:1")
except docker.errors.APIError as e:
    assert e.status_code == 409 and "container" in str(e.explanation), e
else:
    raise AssertionError("rmi of an image in use succeeded")
ctr.remove()

res = c.api.remove_image("bt-rmi:1")
assert res[0] == {"Untagged": "bt-rmi:1"}, res
assert all(list(r) == ["Deleted"] for r in res[1:]), res
deleted = [r["Deleted"] for r in res[1:]]
# Every image of the chain goes, newest first; the other Deleted entries
# are their layers (as dockerd lists them too).
assert [d for d in deleted if d in chain] == chain, (deleted, chain)
for i in chain:
    try:
        c.images.get(i)
    except docker.errors.ImageNotFound:
        pass
    else:
        raise AssertionError(i + " still there")
assert c.images.get("busybox").tags == ["busybox:latest"]
print(json.dumps(res))
