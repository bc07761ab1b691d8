"""A daemon outside any swarm: the swarm-mode endpoints answer 503 with
dockerd's messages (never 404 page not found), with and without the
/vX.Y prefix; /plugins is an empty list; info says Swarm inactive."""
import json

import common

c = common.client()
api = c.api

NOT_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or '
               '"docker swarm join" to connect this node to swarm and try again.')
NOT_PART = "This node is not part of a swarm"

# Through the SDK's own calls.
checks = [
    (lambda: c.swarm.reload(), NOT_MANAGER),
    (lambda: api.inspect_swarm(), NOT_MANAGER),
    (lambda: c.swarm.leave(), NOT_PART),
    (lambda: c.nodes.list(), NOT_MANAGER),
    (lambda: c.services.list(), NOT_MANAGER),
    (lambda: api.tasks(), NOT_MANAGER),
    (lambda: api.inspect_node("x"), NOT_MANAGER),
    (lambda: api.inspect_service("x"), NOT_MANAGER),
    (lambda: api.inspect_task("x"), NOT_MANAGER),
    (lambda: api.remove_service("x"), NOT_MANAGER),
]
if not common.old_api(c):
    checks += [
        (lambda: c.secrets.list(), NOT_MANAGER),
        (lambda: api.inspect_secret("x"), NOT_MANAGER),
        (lambda: api.create_secret("s", b"data"), NOT_MANAGER),
        (lambda: api.unlock_swarm("SWMKEY-1-x"), NOT_MANAGER),
        (lambda: api.get_unlock_key(), NOT_MANAGER),
    ]
    assert c.plugins.list() == [], c.plugins.list()
for i, (fn, want) in enumerate(checks):
    status, msg = common.api_error(fn)
    assert (status, msg) == (503, want), (i, status, msg, want)
# With force, the SDK takes the 503 for "not part of a swarm" as done.
assert c.swarm.leave(force=True) is True

# Raw, with the client's version prefix, with /v1.24 and without any.
base = api.base_url
paths = ["/swarm", "/swarm/unlockkey", "/nodes", "/nodes/abc", "/services", "/services/abc",
         "/tasks", "/tasks/abc", "/secrets", "/secrets/abc", "/configs", "/configs/abc"]
for prefix in [api._url(""), base + "/v1.24", base]:
    for p in paths:
        r = api._get(prefix + p)
        assert r.status_code == 503 and r.json()["message"] == NOT_MANAGER, (prefix, p, r.status_code, r.text)
    for p in ["/configs/create", "/secrets/create", "/services/create", "/swarm/update?version=1",
              "/nodes/abc/update?version=1", "/services/abc/update?version=1"]:
        r = api._post_json(prefix + p, data={})
        assert r.status_code == 503 and r.json()["message"] == NOT_MANAGER, (prefix, p, r.status_code, r.text)
    for p in ["/nodes/abc", "/services/abc", "/secrets/abc", "/configs/abc"]:
        r = api._delete(prefix + p)
        assert r.status_code == 503 and r.json()["message"] == NOT_MANAGER, (prefix, p, r.status_code, r.text)
    r = api._post(prefix + "/swarm/leave")
    assert r.status_code == 503 and r.json()["message"] == NOT_PART, (prefix, r.status_code, r.text)
    r = api._get(prefix + "/plugins")
    assert r.status_code == 200 and r.json() == [], (prefix, r.status_code, r.text)
    r = api._get(prefix + "/plugins/nosuch/json")
    assert r.status_code == 404 and r.json()["message"] == 'plugin "nosuch" not found', r.text
    # A malformed body is refused before anything else, as dockerd does.
    r = api.post(prefix + "/swarm/unlock", data="not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (r.status_code, r.text)
    # berth has no swarm mode: init and join are refused, never a 404.
    for p in ["/swarm/init", "/swarm/join"]:
        r = api._post_json(prefix + p, data={"ListenAddr": "0.0.0.0:2377"})
        assert r.status_code == 503 and "swarm" in r.json()["message"], (p, r.status_code, r.text)

info = c.info()
assert info["Swarm"]["LocalNodeState"] == "inactive", info["Swarm"]
assert info["Swarm"]["ControlAvailable"] is False, info["Swarm"]
print("ok")
