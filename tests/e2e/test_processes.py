"""End to end with every part as its own process, as a deployment runs them:
``chatops server``, ``chatops slack-sim``, ``chatops worker`` and ``chatops bot``. The test
acts as the people, through the stand-in's HTTP action API, and starts orders with the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from benchmarks.processes import Part, answers
from bot.modals import REASON_BLOCK, REASON_INPUT
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, OUTSIDER_ID
from tests.cli.test_cli import chatops
from tests.helpers import assert_eventually, isolated_env

START_TIMEOUT = 60.0


@dataclass
class Deployment:
    """Four processes and how to reach them."""

    env: dict[str, str]
    sim_url: str
    parts: dict[str, Part]

    async def get(self, path: str, **params: str) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.sim_url}{path}", params=params) as response,
        ):
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: Any) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.sim_url}{path}", json=body) as response,
        ):
            assert response.status == 200, await response.text()
            return await response.json()

    async def state(self, user: str) -> dict[str, Any]:
        return dict(await self.get("_sim/ui/state", user=user, channel=APPROVALS_CHANNEL_ID))

    async def card(self, workflow_id: str, user: str = APPROVER_ID) -> dict[str, Any] | None:
        messages = (await self.state(user))["messages"]
        cards = [m for m in messages if workflow_id in str(m.get("blocks"))]
        assert len(cards) <= 1, cards
        return cards[0] if cards else None

    async def wait_card(self, workflow_id: str) -> dict[str, Any]:
        card = await assert_eventually(lambda: self.card(workflow_id), bool, what="card")
        assert card is not None
        return card

    async def click(self, user: str, ts: str, action_id: str) -> dict[str, Any]:
        body = {"user": user, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": action_id}
        return dict(await self.post("_sim/act/click", body | {"confirm": True}))

    async def start(self, example: str) -> str:
        run = await chatops("start", "order", "--example", example, env=self.env)
        assert run.code == 0, run.err
        return run.out.strip()


@pytest_asyncio.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    logs = tmp_path_factory.mktemp("e2e")
    env, ports = isolated_env()
    env["CHATOPS_DATA_DIR"] = str(logs / "data")
    sim_url = f"http://127.0.0.1:{ports['CHATOPS_SLACK_SIM_PORT']}/"
    bot_health = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}/healthz"
    parts = {role: Part(role, env, logs) for role in ("server", "slack-sim", "worker", "bot")}
    try:
        await parts["server"].start()
        await parts["slack-sim"].start()
        ui = f"http://127.0.0.1:{ports['CHATOPS_TEMPORAL_UI_PORT']}/"
        await assert_eventually(lambda: answers(ui), bool, within=START_TIMEOUT, what="server")
        await assert_eventually(
            lambda: answers(f"{sim_url}_sim/state"), bool, within=START_TIMEOUT, what="stand-in"
        )
        await parts["worker"].start()
        await parts["bot"].start()
        await assert_eventually(lambda: answers(bot_health), bool, within=START_TIMEOUT, what="bot")
        yield Deployment(env, sim_url, parts)
    finally:
        codes = {
            role: await parts[role].stop() for role in ("bot", "worker", "slack-sim", "server")
        }
    for role, code in codes.items():
        assert code == 0, (role, parts[role].log_tail())


async def test_large_order_card_approve_and_update(deployment: Deployment) -> None:
    workflow_id = await deployment.start("large")
    card = await deployment.wait_card(workflow_id)
    assert "needs approval" in card["text"]
    delivery = await deployment.click(APPROVER_ID, card["ts"], APPROVE_ACTION)
    assert delivery["status"] == 200 and delivery["error"] is None
    final = await assert_eventually(
        lambda: deployment.card(workflow_id),
        lambda c: c is not None and "Order completed" in c["text"],
        what="card updated",
    )
    assert final is not None and "Approved by <@U0APPROVE1>" in final["text"]


async def test_reject_through_the_modal_with_a_reason(deployment: Deployment) -> None:
    workflow_id = await deployment.start("large")
    card = await deployment.wait_card(workflow_id)
    await deployment.click(APPROVER2_ID, card["ts"], REJECT_ACTION)
    state = await assert_eventually(
        lambda: deployment.state(APPROVER2_ID), lambda s: bool(s["views"]), what="modal open"
    )
    view_id = state["views"][-1]["id"]
    submitted = await deployment.post(
        "_sim/act/submit",
        {
            "user": APPROVER2_ID,
            "view_id": view_id,
            "values": {REASON_BLOCK: {REASON_INPUT: "customer asked to cancel"}},
        },
    )
    assert submitted["errors"] == {}
    final = await assert_eventually(
        lambda: deployment.card(workflow_id),
        lambda c: c is not None and "Order cancelled" in c["text"],
        what="card updated",
    )
    assert final is not None and "customer asked to cancel" in str(final["blocks"])


async def test_outsider_is_refused_with_an_ephemeral(deployment: Deployment) -> None:
    workflow_id = await deployment.start("large")
    card = await deployment.wait_card(workflow_id)
    await deployment.click(OUTSIDER_ID, card["ts"], APPROVE_ACTION)
    state = await assert_eventually(
        lambda: deployment.state(OUTSIDER_ID),
        lambda s: any("not an approver" in e["text"] for e in s["ephemerals"]),
        what="ephemeral for the outsider",
    )
    assert state["ephemerals"][-1]["text"].startswith("You are not an approver")
    still = await deployment.card(workflow_id)
    assert still is not None and "needs approval" in still["text"]


async def test_rate_limited_post_leaves_exactly_one_card(deployment: Deployment) -> None:
    before = len(await deployment.get("_sim/calls"))
    await deployment.post(
        "_sim/faults", {"method": "chat.postMessage", "kind": "ratelimit", "retry_after": 1}
    )
    workflow_id = await deployment.start("large")
    await deployment.wait_card(workflow_id)
    calls = (await deployment.get("_sim/calls"))[before:]
    posts = [c for c in calls if c["method"] == "chat.postMessage"]
    assert [c["status"] for c in posts] == [429, 200]
    assert posts[1]["at"] - posts[0]["at"] >= 1.0
