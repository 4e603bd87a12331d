"""``chatops up``: the whole stack from one command, and Ctrl-C stops all of it."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import stat
import sys
from pathlib import Path
from typing import Any

import aiohttp

from activities.cards import APPROVE_ACTION
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, DEFAULT_BOT_TOKEN
from tests.cli.test_cli import ROOT, chatops
from tests.helpers import assert_eventually, free_port, isolated_env

UP_TIMEOUT = 90


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def history(api_url: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{api_url}conversations.history",
            params={"channel": APPROVALS_CHANNEL_ID},
            headers={"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"},
        ) as response,
    ):
        body = await response.json()
    return list(body["messages"])


async def post_json(url: str, body: dict[str, Any]) -> Any:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return await response.json()


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


async def test_up_runs_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    env, ports = isolated_env()
    env["CHATOPS_DATA_DIR"] = str(tmp_path / "data")
    up = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "up",
        "--demo",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert up.stdout is not None and up.stderr is not None
    try:
        first = await asyncio.wait_for(up.stdout.readline(), UP_TIMEOUT)
        assert first.decode().startswith("chatops is up:"), first
        banner = (await asyncio.wait_for(up.stdout.readuntil(b"Ctrl-C\n"), 10)).decode()
        sim_port = ports["CHATOPS_SLACK_SIM_PORT"]
        parts = banner_rows(first.decode() + banner)
        assert parts["Slack stand-in"].startswith(f"http://127.0.0.1:{sim_port}/")
        assert f"http://127.0.0.1:{ports['CHATOPS_TEMPORAL_UI_PORT']}" in parts["Temporal"]
        assert parts["Policy"].startswith(str(tmp_path / "data" / "demo-policy.yml"))
        demo_ids = re.findall(r"(?:order-ORD|ticket-T)-\w+", banner)
        assert len(demo_ids) == 4 and demo_ids[-1].startswith("ticket-T-")
        flow_ids = re.findall(r"flow-(?:refund|production-change)-\w+", banner)
        assert [i.split("-")[1] for i in flow_ids] == ["refund", "production"], banner

        started = await chatops("start", "order", "--example", "large", env=env)
        assert started.code == 0, started.err
        workflow_id = started.out.strip()
        api_url = f"http://127.0.0.1:{sim_port}/api/"
        messages = await assert_eventually(
            lambda: history(api_url), lambda m: len(m) == 7, what="seven cards on the stand-in"
        )
        # Each demo request's card, each example flow's approval card, and the new order's.
        for expected in [*demo_ids, *flow_ids, workflow_id]:
            assert sum(expected in str(m["blocks"]) for m in messages) == 1, expected

        approved = await chatops("approve", workflow_id, env=env)
        assert approved.code == 0, approved.err
        await assert_eventually(
            lambda: history(api_url),
            lambda m: any(workflow_id in str(c) and "Order completed" in c["text"] for c in m),
            what="card updated",
        )

        # The refund flow, once finance approves, refunds through the bot's demo endpoint.
        refund_flow = flow_ids[0]
        approved = await chatops("approve", f"{refund_flow}-finance_approval", env=env)
        assert approved.code == 0, approved.err
        refunds = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}/demo/refunds"
        await assert_eventually(
            lambda: get_json(refunds),
            lambda body: [r["order_id"] for r in body["refunds"]] == ["ORD-DEMO-1"],
            what="the demo refund made by the flow",
        )
        # The production change, once two people approve, is applied the same way.
        change_flow = flow_ids[1]
        [card] = [m for m in await history(api_url) if change_flow in str(m["blocks"])]
        for approver in (APPROVER_ID, APPROVER2_ID):
            click = {"user": approver, "channel": APPROVALS_CHANNEL_ID, "ts": card["ts"]}
            clicked = await post_json(
                f"http://127.0.0.1:{sim_port}/_sim/act/click",
                {**click, "action_id": APPROVE_ACTION},
            )
            assert clicked["status"] == 200 and clicked["error"] is None, clicked
        changes = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}/demo/changes"
        await assert_eventually(
            lambda: get_json(changes),
            lambda body: (
                [(c["change"], c["state"]) for c in body["changes"]] == [("CHG-DEMO-1", "applied")]
            ),
            what="the demo change applied by the flow",
        )
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(up.communicate(), 60)
    assert up.returncode == 0, err.decode()[-2000:]
    assert out.decode().rstrip().endswith("chatops stopped.")
    assert "Traceback" not in err.decode()
    for port in ports.values():
        assert not port_open(port), f"port {port} still open after Ctrl-C"
    # Everything the stack wrote, the order's email included, is its user's alone.
    written = {Path(p).name for p in private_tree(Path(env["CHATOPS_DATA_DIR"]))}
    order_id = workflow_id.removeprefix("order-")
    assert {"temporal.db", "temporal.log", "slack-sim.json", f"{order_id}.eml"} <= written


def banner_rows(banner: str) -> dict[str, str]:
    """``chatops up``'s banner as label -> value, checking that the values line up."""
    lines = banner.split("chatops is up:\n", 1)[1].splitlines()
    rows: dict[str, str] = {}
    columns = set()
    for line in itertools.takewhile(lambda line: line.startswith("  "), lines):
        label = re.match(r"  (\S+(?: \S+)*)  +", line)
        assert label is not None, line
        rows[label.group(1)] = line[label.end() :]
        columns.add(label.end())
    assert len(columns) == 1, lines  # one column for the values, whatever the longest label
    return rows


def private_tree(root: Path) -> set[str]:
    """The files under ``root``, after checking that no other user may read any of them."""
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    loose = [
        f"{p} {stat.S_IMODE(p.stat().st_mode):o}"
        for p in root.rglob("*")
        if p.stat().st_mode & 0o077
    ]
    assert loose == []
    return {str(p) for p in root.rglob("*") if p.is_file()}


async def test_up_refuses_a_taken_bot_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHATOPS_"))}
        env.update(
            CHATOPS_BOT_PORT=str(port),
            CHATOPS_TEMPORAL_PORT=str(free_port()),
            CHATOPS_DATA_DIR=str(tmp_path),
        )
        run = await chatops("up", env=env)
    assert run.code == 1
    assert run.err.strip() == (
        f"error: port {port} (bot) is already in use; is another Temporal or chatops running? "
        "set CHATOPS_BOT_PORT"
    )


async def test_up_with_real_slack_credentials_starts_no_stand_in(tmp_path: Path) -> None:
    env, ports = isolated_env()
    env.update(
        CHATOPS_DATA_DIR=str(tmp_path),
        SLACK_BOT_TOKEN="xoxb-a-real-workspace",
        SLACK_SIGNING_SECRET="a-real-secret",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # never called: nothing is posted here
    )
    up = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "up", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert up.stdout is not None
    try:
        banner = (await asyncio.wait_for(up.stdout.readuntil(b"Ctrl-C\n"), UP_TIMEOUT)).decode()
        assert "Slack stand-in" not in banner
        assert not port_open(ports["CHATOPS_SLACK_SIM_PORT"])
        bot_url = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}/slack/events"
        assert banner_rows(banner)["Bot"].startswith(bot_url)
    finally:
        up.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(up.communicate(), 60)
    assert up.returncode == 0, err.decode()[-2000:]
