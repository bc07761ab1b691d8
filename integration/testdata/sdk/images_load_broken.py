"""images.load of a broken archive fails as against dockerd: a 200 whose
JSON stream ends with {"errorDetail": {"message": M}, "error": M}, which
the SDK raises as ImageLoadError; nothing is left half-loaded."""
import io
import json
import os
import tarfile

import docker

import common

c = common.client()
before = sorted(i.id for i in c.images.list(all=True))

good = b"".join(c.images.get("busybox").save(named=True))
nomanifest = io.BytesIO()
with tarfile.open(fileobj=nomanifest, mode="w") as t:
    ti = tarfile.TarInfo("x")
    ti.size = 3
    t.addfile(ti, io.BytesIO(b"hi\n"))
cases = {
    "garbage": os.urandom(4096),
    "truncated": good[: len(good) // 2],
    "no manifest": nomanifest.getvalue(),
}
for name, data in cases.items():
    # The raw stream, as the SDK reads it.
    res = c.api._post(c.api._url("/images/load"), data=data, params={"quiet": False})
    assert res.status_code == 200, (name, res.status_code, res.text)
    assert res.headers["Content-Type"] == "application/json", (name, res.headers)
    lines = [json.loads(l) for l in res.text.splitlines() if l.strip()]
    last = lines[-1]
    assert list(last) == ["errorDetail", "error"], (name, last)
    assert last["error"] and last["errorDetail"] == {"message": last["error"]}, (name, last)
    try:
        c.images.load(data)
    except docker.errors.ImageLoadError as e:
        assert str(e).strip(), name
    else:
        raise AssertionError(name + ": load succeeded")
    after = sorted(i.id for i in c.images.list(all=True))
    assert after == before, (name, before, after)
print("ok")
