"""Shared set-up of the Python SDK test scripts: a client for the daemon
under test at the API version the Go test asks for."""
import os

import docker


def client():
    version = os.environ.get("SDK_VERSION", "auto")
    return docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version=version, timeout=120)


def api_error(fn, *args, **kwargs):
    """Calls fn and returns the (status, message) of the APIError it
    raises; a call that succeeds fails the script."""
    try:
        r = fn(*args, **kwargs)
    except docker.errors.APIError as e:
        return e.response.status_code, e.explanation
    raise AssertionError("expected an API error, got %r" % (r,))


def old_api(c):
    """Whether c speaks an API older than 1.25 (the SDK then refuses some
    parameters itself)."""
    major, minor = c.api.api_version.split(".")
    return (int(major), int(minor)) < (1, 25)
