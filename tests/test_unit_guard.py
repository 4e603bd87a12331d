"""The ``unit`` layer's guard itself: while a unit test runs, the ways out are closed."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from pytest_socket import SocketBlockedError
from temporalio.client import Client

pytestmark = pytest.mark.unit


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_network_sockets_are_refused_and_unix_ones_allowed() -> None:
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    left, right = socket.socketpair()  # what an event loop wakes itself with
    left.close()
    right.close()


def test_subprocesses_are_refused() -> None:
    with pytest.raises(RuntimeError, match="may not use a subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


async def test_temporal_connections_are_refused() -> None:
    with pytest.raises(RuntimeError, match="may not use a Temporal connection"):
        await Client.connect("127.0.0.1:7233")
