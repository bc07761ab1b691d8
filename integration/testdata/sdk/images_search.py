"""images.search asks the registry a term names through its v1 search
API, as dockerd does; a registry that cannot be reached is a 500."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import docker

import common

asked = []
REPOS = [
    {"name": "tools/busybox", "description": "small", "star_count": 3, "is_official": False, "is_automated": True},
    {"name": "busybox", "description": "official", "star_count": 40, "is_official": True, "is_automated": False},
]


class Registry(BaseHTTPRequestHandler):
    def do_GET(self):
        u = urlparse(self.path)
        asked.append((u.path, parse_qs(u.query)))
        body = json.dumps({"query": "", "num_results": len(REPOS), "results": REPOS}).encode()
        self.send_response(200 if u.path == "/v1/search" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = HTTPServer(("127.0.0.1", 0), Registry)
threading.Thread(target=srv.serve_forever, daemon=True).start()
host = "127.0.0.1:%d" % srv.server_port

c = common.client()
res = c.images.search(host + "/busybox")
assert [r["name"] for r in res] == ["tools/busybox", "busybox"], res
assert res[0]["is_automated"] is True and res[0]["star_count"] == 3, res[0]
assert res[1] == {"name": "busybox", "description": "official", "star_count": 40, "is_official": True, "is_automated": False}, res[1]
assert asked[-1] == ("/v1/search", {"q": ["busybox"], "n": ["25"]}), asked
res = c.api.search(host + "/busybox", limit=5)
assert asked[-1][1]["n"] == ["5"], asked


def search(term, filters):
    # The SDK has no filters argument: the raw call, as the docker CLI makes it.
    r = c.api._get(c.api._url("/images/search"), params={"term": term, "filters": json.dumps(filters)})
    return c.api._result(r, json=True)


assert [r["name"] for r in search(host + "/bb", {"stars": ["10"]})] == ["busybox"]
assert [r["name"] for r in search(host + "/bb", {"is-official": ["false"]})] == ["tools/busybox"]
try:
    search(host + "/bb", {"nosuch": ["1"]})
except docker.errors.APIError as e:
    assert e.status_code == 400, e
else:
    raise AssertionError("unknown search filter accepted")

# A registry that is not there.
s = socket.socket()
s.bind(("127.0.0.1", 0))
dead = "127.0.0.1:%d" % s.getsockname()[1]
s.close()
try:
    c.images.search(dead + "/busybox")
except docker.errors.APIError as e:
    assert e.status_code == 500, e
    assert "connection refused" in str(e.explanation), e.explanation
else:
    raise AssertionError("search of an unreachable registry succeeded")
srv.shutdown()
print("ok")
