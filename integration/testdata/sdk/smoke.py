"""The SDK reaches the daemon and runs a container."""
import common

c = common.client()
assert c.ping()
out = c.containers.run("busybox", ["echo", "hello"], remove=True)
assert out == b"hello\n", out
print("ok", c.api.api_version)
