"""The stand-in keeps its workspace in a file across restarts, as Slack keeps its messages: the
same ts, threads, edits, metadata and Home tabs come back, and the old messages can be edited."""

from __future__ import annotations

import asyncio
import json
import signal
import stat
import sys
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    GENERAL_CHANNEL_ID,
    SlackSim,
    running_sim,
)
from slacksim.persist import STATE_FILENAME, SimStateError
from tests.cli.test_cli import ROOT
from tests.cli.test_up import history
from tests.helpers import assert_eventually, isolated_env
from tests.slacksim.conftest import FakeClock

CARD_METADATA = {"event_type": "approval_card", "event_payload": {"workflow_id": "order-ORD-1"}}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


def saved_texts(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [m["text"] for m in json.loads(path.read_text())["messages"]]


async def test_messages_threads_edits_and_homes_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / STATE_FILENAME
    async with running_sim(state_path=state, clock=FakeClock(2_000_000_000.0)) as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        card = await slack.chat_postMessage(
            channel=APPROVALS_CHANNEL_ID, text="needs approval", metadata=CARD_METADATA
        )
        reply = await slack.chat_postMessage(
            channel=APPROVALS_CHANNEL_ID, text="a reply", thread_ts=card["ts"]
        )
        await slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=card["ts"], text="approved")
        await slack.views_publish(user_id=APPROVER_ID, view=HOME)
        before = sim.messages(APPROVALS_CHANNEL_ID)
        home = sim.home_view(APPROVER_ID)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600

    # A clock behind the first one: new ts values must still come after the saved ones.
    async with running_sim(state_path=state, clock=FakeClock(1_900_000_000.0)) as again:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=again.api_url)
        assert again.messages(APPROVALS_CHANNEL_ID) == before
        [shown] = before
        assert (shown["ts"], shown["text"], shown["reply_count"]) == (card["ts"], "approved", 1)
        assert shown["metadata"] == CARD_METADATA and "edited" in shown
        assert [r["ts"] for r in again.thread(APPROVALS_CHANNEL_ID, card["ts"])] == [reply["ts"]]
        assert again.home_view(APPROVER_ID) == home
        updated = await slack.chat_update(
            channel=APPROVALS_CHANNEL_ID, ts=card["ts"], text="rejected after all"
        )
        assert updated["ok"] and again.message(APPROVALS_CHANNEL_ID, card["ts"])["text"] == (
            "rejected after all"
        )
        newer = await slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="later")
        assert float(newer["ts"]) > max(float(reply["ts"]), float(shown["edited"]["ts"]))
        assert float(newer["ts"]) > float(updated["message"]["edited"]["ts"]) > float(card["ts"])


async def test_changes_are_saved_without_waiting_for_stop_and_reset_clears_them(
    tmp_path: Path,
) -> None:
    state = tmp_path / "data" / STATE_FILENAME
    async with running_sim(state_path=state) as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="first")
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="second")
        # Saved shortly after the change, so a stand-in killed outright loses at most that.
        await assert_eventually(
            lambda: saved_texts(state), lambda t: t == ["first", "second"], what="saved"
        )
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{sim.base_url}_sim/reset", json={}) as response,
        ):
            assert response.status == 200
        assert saved_texts(state) == []
    async with running_sim(state_path=state) as again:
        assert again.messages(APPROVALS_CHANNEL_ID) == []


async def test_without_a_state_path_nothing_is_written(tmp_path: Path) -> None:
    async with running_sim() as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="in memory")
    async with running_sim() as again:
        assert again.messages(APPROVALS_CHANNEL_ID) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not JSON (Expecting property name enclosed in double quotes at line 1)"),
        ('{"version": 2}', "is not a saved workspace (version: Input should be 1)"),
        (
            '{"version": 1, "last_ts_us": 0, "homes": [], "hooks": {}, "messages": '
            '[{"channel": "C0APPROVAL", "ts": "soon", "text": "", "blocks": [], "edits": 0, '
            '"user": "U1"}]}',
            "is not a saved workspace (messages.0.ts: String should match pattern",
        ),
    ],
)
def test_a_damaged_state_file_is_refused_with_what_to_do(
    tmp_path: Path, content: str, problem: str
) -> None:
    state = tmp_path / STATE_FILENAME
    state.write_text(content)
    with pytest.raises(SimStateError) as refused:
        SlackSim(state_path=state)
    message = str(refused.value)
    assert message.startswith(f"the Slack stand-in's saved workspace {state} {problem}")
    assert message.endswith("; move it away (or delete it) to start with an empty workspace")
    assert state.read_text() == content


async def test_chatops_slack_sim_keeps_its_workspace_in_the_data_dir(tmp_path: Path) -> None:
    env, ports = isolated_env()
    env["CHATOPS_DATA_DIR"] = str(tmp_path / "data")
    api_url = f"http://127.0.0.1:{ports['CHATOPS_SLACK_SIM_PORT']}/api/"
    posted = ""
    for run in range(2):
        sim = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "slack-sim", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert sim.stdout is not None
            await asyncio.wait_for(sim.stdout.readline(), 30)
            slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=api_url)
            if run == 0:
                posted = (await slack.chat_postMessage(channel="approvals", text="kept"))["ts"]
            else:
                [kept] = await history(api_url)
                assert (kept["ts"], kept["text"]) == (posted, "kept")
        finally:
            sim.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(sim.communicate(), 30)
        assert sim.returncode == 0, err.decode()[-2000:]
