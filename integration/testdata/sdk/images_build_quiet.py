"""build with quiet=True: the stream is the image ID alone, as dockerd
sends it, and images.build returns that image."""
import io
import re

import common

c = common.client()
df = b"FROM busybox\nRUN echo quiet > /q\n"
chunks = list(c.api.build(fileobj=io.BytesIO(df), quiet=True, decode=True, nocache=True))
assert len(chunks) == 1 and list(chunks[0]) == ["stream"], chunks
m = re.fullmatch(r"(sha256:[0-9a-f]{64})\n", chunks[0]["stream"])
assert m, chunks
img, logs = c.images.build(fileobj=io.BytesIO(df), quiet=True, tag="bt-quiet:1")
assert img.id == m.group(1), (img.id, m.group(1))  # the cache gives the same image
assert img.tags == ["bt-quiet:1"], img.tags
assert [l for l in logs] == [{"stream": img.id + "\n"}], list(logs)
print("ok")
