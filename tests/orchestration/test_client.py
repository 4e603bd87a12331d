"""The worker and the bot wait for a Temporal server that is not up yet, instead of exiting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from orchestration.client import connect_when_up
from orchestration.embedded_temporal import EmbeddedTemporal
from orchestration.settings import Settings
from tests.helpers import assert_eventually, free_port


def waiting_said(caplog: pytest.LogCaptureFixture, port: int) -> bool:
    return f"cannot reach Temporal at 127.0.0.1:{port}" in caplog.text


async def test_waiting_connects_once_the_server_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    waiting = asyncio.ensure_future(
        connect_when_up(Settings(CHATOPS_TEMPORAL_PORT=str(port)), asyncio.Event())
    )
    await assert_eventually(lambda: waiting_said(caplog, port), bool, what="the warning")
    assert "Waiting for it; Ctrl-C stops." in caplog.text and not waiting.done()
    async with EmbeddedTemporal(tmp_path, port, None):
        client = await asyncio.wait_for(waiting, 30)
        assert client is not None
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version


async def test_waiting_ends_when_stopped(caplog: pytest.LogCaptureFixture) -> None:
    port, stop = free_port(), asyncio.Event()
    waiting = asyncio.ensure_future(
        connect_when_up(Settings(CHATOPS_TEMPORAL_PORT=str(port)), stop)
    )
    await assert_eventually(lambda: waiting_said(caplog, port), bool, what="the warning")
    stop.set()
    assert await asyncio.wait_for(waiting, 10) is None
