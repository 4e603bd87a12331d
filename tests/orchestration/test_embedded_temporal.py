"""The embedded Temporal server, against the real ``temporal`` binary and real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from orchestration import embedded_temporal
from orchestration.devserver import EmbeddedServerError, ensure_search_attributes
from orchestration.embedded_temporal import EmbeddedTemporal
from orchestration.search_attributes import ALL, APPROVAL_STATUS, KIND
from tests.helpers import assert_eventually, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 15.0


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie counts as gone."""
    if not Path("/proc").is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def wait_until(predicate: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {DEADLINE} s waiting for {what}")
        await asyncio.sleep(0.05)


async def registered_types(client: Client) -> dict[str, int]:
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    return dict(response.custom_attributes)


async def test_start_registers_search_attributes_with_wal_and_ui(tmp_path: Path) -> None:
    port, ui_port = free_port(), free_port()

    async with EmbeddedTemporal(tmp_path, port, ui_port) as server:
        assert server.address == f"127.0.0.1:{port}"
        assert server.ui_url == f"http://127.0.0.1:{ui_port}"
        client = await Client.connect(server.address)
        types = await registered_types(client)
        assert {key.name: types.get(key.name) for key in ALL} == {
            key.name: key.indexed_value_type.value for key in ALL
        }
        await client.start_workflow(
            "DevserverProbe",
            id="devserver-wal-probe",
            task_queue="devserver-no-worker",
            search_attributes=TypedSearchAttributes([SearchAttributePair(APPROVAL_STATUS, "x")]),
        )
        wal = Path(f"{server.db_file}-wal")
        await wait_until(wal.exists, "the SQLite write-ahead log")
        await asyncio.wait_for(asyncio.open_connection("127.0.0.1", ui_port), DEADLINE)

    with sqlite3.connect(server.db_file) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_restart_keeps_workflows_and_adds_attributes_an_old_db_lacks(
    tmp_path: Path,
) -> None:
    port = free_port()
    # An older chatops registered only KIND when it created the database.
    async with EmbeddedTemporal(tmp_path, port, None, search_attributes=(KIND,)) as first:
        client = await Client.connect(first.address)
        await client.start_workflow(
            "DevserverProbe",
            id="devserver-restart-probe",
            task_queue="devserver-no-worker",
            search_attributes=TypedSearchAttributes([SearchAttributePair(KIND, "probe")]),
        )
        assert APPROVAL_STATUS.name not in await registered_types(client)
    assert first.pid is not None
    assert not pid_alive(first.pid)

    async with EmbeddedTemporal(tmp_path, port, None) as second:
        client = await Client.connect(second.address)
        described = await client.get_workflow_handle("devserver-restart-probe").describe()
        assert described.status == WorkflowExecutionStatus.RUNNING
        assert described.workflow_type == "DevserverProbe"
        assert described.typed_search_attributes.get(KIND) == "probe"
        types = await registered_types(client)
        assert {key.name for key in ALL} <= set(types)
        # The attributes just added are usable at once, though the server caches them.
        await client.start_workflow(
            "DevserverProbe",
            id="devserver-restart-probe-2",
            task_queue="devserver-no-worker",
            search_attributes=TypedSearchAttributes([SearchAttributePair(APPROVAL_STATUS, "x")]),
        )
        query = f"{APPROVAL_STATUS.name} = 'x'"
        await assert_eventually(lambda: client.count_workflows(query), lambda c: c.count == 1)
    assert second.pid is not None
    assert not pid_alive(second.pid)


async def test_ensure_search_attributes_is_idempotent_and_rejects_wrong_types(
    tmp_path: Path,
) -> None:
    extra = SearchAttributeKey.for_int("DevserverProbeCount")
    async with EmbeddedTemporal(tmp_path, free_port(), None) as server:
        client = await Client.connect(server.address)

        assert await ensure_search_attributes(client, (*ALL, extra)) == [extra.name]
        assert await ensure_search_attributes(client, (*ALL, extra)) == []
        assert (await registered_types(client))[extra.name] == extra.indexed_value_type.value
        with pytest.raises(EmbeddedServerError) as raised:
            await ensure_search_attributes(client, [SearchAttributeKey.for_text(extra.name)])
    assert str(raised.value) == (
        "search attributes in namespace default have the wrong type: "
        "DevserverProbeCount is Int, not Text"
    )


@pytest.mark.parametrize(
    ("busy", "message"),
    [
        (
            "port",
            "is already in use; is another Temporal or chatops running? set "
            "CHATOPS_TEMPORAL_PORT or TEMPORAL_ADDRESS",
        ),
        (
            "ui_port",
            "(Temporal UI) is already in use; is another Temporal or chatops running? "
            "set CHATOPS_TEMPORAL_UI_PORT",
        ),
    ],
)
async def test_a_busy_port_is_reported_before_starting(
    tmp_path: Path, busy: str, message: str
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        ports = {"port": free_port(), "ui_port": free_port(), busy: taken}
        server = EmbeddedTemporal(tmp_path, ports["port"], ports["ui_port"])

        with pytest.raises(EmbeddedServerError) as raised:
            await server.__aenter__()

    assert str(raised.value) == f"port {taken} {message}"
    assert server.pid is None


async def test_early_exit_reports_the_log_tail(tmp_path: Path) -> None:
    (tmp_path / "temporal.db").mkdir()  # the server cannot open a directory as its database
    server = EmbeddedTemporal(tmp_path, free_port(), None)

    with pytest.raises(EmbeddedServerError) as raised:
        await server.__aenter__()

    assert "Temporal exited with code 1 while starting" in str(raised.value)
    assert "unable to open database file" in str(raised.value)
    assert server.pid is not None
    assert not pid_alive(server.pid)


async def test_a_hung_server_times_out_and_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = tmp_path / "temporal"
    stub.write_text("#!/bin/sh\ntrap '' TERM\necho stuck\nwhile :; do sleep 0.1; done\n")
    stub.chmod(0o755)
    monkeypatch.setattr(embedded_temporal, "find_temporal_binary", lambda: stub)
    monkeypatch.setattr(embedded_temporal, "STOP_TIMEOUT", 0.5)
    server = EmbeddedTemporal(tmp_path / "data", free_port(), None, startup_timeout=0.5)

    with pytest.raises(EmbeddedServerError) as raised:
        await server.__aenter__()

    assert "did not answer on 127.0.0.1:" in str(raised.value)
    assert str(raised.value).endswith("temporal.log:\nstuck")
    assert server.pid is not None
    assert not pid_alive(server.pid)


async def test_cancelling_the_owner_stops_the_server(tmp_path: Path) -> None:
    server = EmbeddedTemporal(tmp_path, free_port(), None)

    async def run_forever() -> None:
        async with server:
            await asyncio.Event().wait()

    task = asyncio.create_task(run_forever())
    await wait_until(lambda: server.pid is not None, "the server to be spawned")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert server.pid is not None
    assert not pid_alive(server.pid)


CHILD = """
import asyncio, sys
from pathlib import Path
from orchestration.embedded_temporal import EmbeddedTemporal

async def main():
    async with EmbeddedTemporal(Path(sys.argv[1]), int(sys.argv[2]), None) as server:
        print(server.pid, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
async def test_the_server_dies_with_a_killed_parent(tmp_path: Path) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(tmp_path),
        str(free_port()),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert parent.stdout is not None
        line = await asyncio.wait_for(parent.stdout.readline(), DEADLINE)
        server_pid = int(line)
        assert pid_alive(server_pid)
    finally:
        parent.kill()
        await parent.wait()

    try:
        await wait_until(lambda: not pid_alive(server_pid), "the orphaned server to exit")
    finally:
        if pid_alive(server_pid):  # keep a failing run from leaking a server
            os.kill(server_pid, signal.SIGKILL)
