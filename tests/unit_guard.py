"""Keeps the ``unit`` layer honest: a test marked ``unit`` runs in milliseconds because it
needs no Temporal server, no subprocess, no browser and no network. Here that is enforced,
not hoped for: such a test fails if it asks for a Temporal fixture, and while it runs every
network socket, subprocess and Temporal connection raises.

``tests/conftest.py`` imports the hook and the fixture below, which registers them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
from pytest_socket import disable_socket, enable_socket
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

UNIT = "unit"
# The fixtures that start or reach a Temporal server (the others build on them; a test's
# fixturenames hold every fixture it needs, directly or not).
TEMPORAL_FIXTURES = frozenset({"env", "ts_env"})


def is_unit(item: pytest.Item) -> bool:
    return item.get_closest_marker(UNIT) is not None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture is set up: a ``unit`` test may not need a Temporal server."""
    if not is_unit(item):
        return
    needs = TEMPORAL_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if needs:
        pytest.fail(
            f"{item.nodeid} is marked {UNIT} but needs a Temporal server "
            f"(fixtures {', '.join(sorted(needs))}): drop the mark or use a stand-in",
            pytrace=False,
        )


def refuse(what: str) -> Any:
    def refused(*_: Any, **__: Any) -> NoReturn:
        raise RuntimeError(f"a {UNIT} test may not use {what}; drop the mark or use a stand-in")

    return refused


@pytest.fixture(autouse=True)
def unit_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While a ``unit`` test runs: no network sockets (Unix ones stay, for the event loop's
    wake-up pipe), no subprocesses, no Temporal connections."""
    if not is_unit(request.node):
        yield
        return
    monkeypatch.setattr(subprocess, "Popen", refuse("a subprocess"))
    monkeypatch.setattr(Client, "connect", refuse("a Temporal connection"))
    monkeypatch.setattr(WorkflowEnvironment, "start_local", refuse("a Temporal server"))
    monkeypatch.setattr(WorkflowEnvironment, "start_time_skipping", refuse("a Temporal server"))
    disable_socket(allow_unix_socket=True)
    try:
        yield
    finally:
        enable_socket()
