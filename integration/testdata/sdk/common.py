"""Shared set-up of the Python SDK test scripts: a client for the daemon
under test at the API version the Go test asks for."""
import os

import docker


def client():
    version = os.environ.get("SDK_VERSION", "auto")
    return docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version=version, timeout=120)
