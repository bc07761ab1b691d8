"""Parent in image inspect and history IDs, as dockerd: a classic-builder
image's Parent is the previous step's image, a committed image's the image
it was committed from; imported and loaded images have ""."""
import io

import common

c = common.client()
api = c.api
base = c.images.get("busybox")
assert base.attrs["Parent"] == "", base.attrs.get("Parent")
# The fields API 1.44 and 1.45 dropped, for older clients (docker-compose
# 1.29 reads ContainerConfig.Volumes).
if api._version == "1.24":
    assert base.attrs["VirtualSize"] == base.attrs["Size"], base.attrs
    assert base.attrs["Container"] == "", base.attrs
    assert "Volumes" in base.attrs["ContainerConfig"], base.attrs
    listed = api.images(name="busybox")[0]
    assert listed["VirtualSize"] == listed["Size"], listed
else:
    # VirtualSize goes at 1.44 as in dockerd; ContainerConfig stays at every
    # version on purpose (docker-compose 1.29 negotiates the newest one).
    assert "VirtualSize" not in base.attrs, sorted(base.attrs)
    assert "Volumes" in base.attrs["ContainerConfig"], base.attrs

df = b"FROM busybox\nRUN echo a > /a\nRUN echo b > /b\nLABEL step=three\n"
img, _ = c.images.build(fileobj=io.BytesIO(df), tag="bt-parent:1", rm=True)
hist = img.history()
assert len(hist) == 4, hist
# Newest first: the image, then each step's image up to busybox.
ids = [h["Id"] for h in hist]
assert ids[0] == img.id, (ids, img.id)
assert ids[3] == base.id, (ids, base.id)
assert "<missing>" not in ids, ids
assert hist[0]["Tags"] == ["bt-parent:1"], hist[0]
assert hist[3]["Tags"] == ["busybox:latest"], hist[3]
for child, parent in zip(ids, ids[1:]):
    assert api.inspect_image(child)["Parent"] == parent, (child, parent)
assert "RUN echo b" in hist[1]["CreatedBy"] or "echo b > /b" in hist[1]["CreatedBy"], hist[1]

# commit: the parent is the container's image.
ctr = c.containers.run("bt-parent:1", ["sh", "-c", "echo c > /c"], detach=True)
ctr.wait()
committed = ctr.commit("bt-parent", "committed")
ctr.remove()
assert committed.attrs["Parent"] == img.id, (committed.attrs["Parent"], img.id)
chist = committed.history()
assert [h["Id"] for h in chist[:2]] == [committed.id, img.id], chist[:2]

# save and load: a loaded image has no Parent, and only its own ID in history.
data = b"".join(committed.save(named=True))
c.images.remove("bt-parent:committed")
loaded = c.images.load(data)
assert [i.id for i in loaded] == [committed.id], loaded
# The parent chain is still there (bt-parent:1 holds it): the loaded image
# is the committed one again, whose record remembers nothing of a parent.
lattrs = api.inspect_image(committed.id)
assert lattrs["Parent"] == "", lattrs["Parent"]
lhist = c.images.get(committed.id).history()
assert lhist[0]["Id"] == committed.id and all(h["Id"] == "<missing>" for h in lhist[1:]), lhist
print("ok")
