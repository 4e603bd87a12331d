"""The approvers of the crash scenario, acting through the Slack stand-in as people do.

A person does one thing at a time: clicks Approve (or Reject, then submits the modal with a
reason), then watches until the card's request shows their decision or the bot answers them
(an ephemeral message). Whatever did not get through (no answer from a dead bot, "could not
reach Temporal") they try again once the bot answers. Every decision sent is recorded with
the click key the bot derives from it, its HTTP status and what the person was told, for the
judge to check against the workflows' recorded attempts afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from activities.cards import ACTIONS_BLOCK, APPROVE_ACTION, REJECT_ACTION
from benchmarks.process_stack import ProcessStack
from benchmarks.processes import answers
from bot.modals import REASON_BLOCK, REASON_INPUT
from orchestration.decisions import DecisionRefused, TemporalUnreachable, load_approval
from orchestration.models.approval import ApprovalState, ApprovalStatus, Verdict
from slacksim import APPROVALS_CHANNEL_ID, Delivery
from tests.helpers import assert_eventually

# How long a person watches for the outcome of one gesture, and tries one request in all.
SETTLE_WITHIN = 60.0
GIVE_UP_AFTER = 240.0
CARD_WITHIN = 10.0
# Slack's trigger lives 3 s: a modal not open by then will not open.
MODAL_WITHIN = 5.0
# How often a person looks at Temporal (the stand-in, in this process, is looked at often).
POLL = 0.1
RPC_TIMEOUT = timedelta(seconds=2)


@dataclass
class Sent:
    """One decision delivered to the bot: an Approve click or a submitted reject modal."""

    workflow_id: str
    user: str
    verdict: Verdict
    key: str
    status: int | None
    error: str | None
    field_errors: dict[str, str]
    redelivery: bool = False
    told: list[str] = field(default_factory=list)
    socket: bool = False

    @property
    def acked(self) -> bool:
        """Slack got a 200 (in Socket Mode: an ack) and nothing else: no timeout, no error
        left open in a modal."""
        answered = self.status == 200 or (self.socket and self.status is None)
        return answered and self.error is None and not self.field_errors


@dataclass
class Request:
    """One request the scenario started: what it is, and what its people will decide."""

    workflow_id: str
    kind: str
    intent: Verdict
    deciders: list[str]


def card_of(stack: ProcessStack, workflow_id: str) -> list[dict[str, Any]]:
    """The request's cards in #approvals (their metadata's card key names the workflow)."""
    return [
        message
        for message in stack.sim.messages(APPROVALS_CHANNEL_ID)
        if card_key(message).split("/")[0] == workflow_id
    ]


def card_key(message: dict[str, Any]) -> str:
    """The key a card's metadata holds (``workflow id/run id/request id``); "" if none."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    return str(payload.get("card_key", ""))


def has_buttons(card: dict[str, Any]) -> bool:
    return any(block.get("block_id") == ACTIONS_BLOCK for block in card.get("blocks", []))


def click_key(delivery: Delivery) -> str:
    """The key the bot gives a click: the user and Slack's ``action_ts`` (from the HTTP body,
    or in Socket Mode the envelope)."""
    if delivery.envelope is not None:
        payload = delivery.envelope["payload"]
    else:
        assert delivery.request is not None
        payload = json.loads(parse_qs(delivery.request[0].decode())["payload"][0])
    return f"{payload['user']['id']}:{payload['actions'][0]['action_ts']}"


def stands(state: ApprovalState | None, user: str, verdict: Verdict) -> bool:
    """Whether the request shows ``user``'s ``verdict`` as counted."""
    if state is None:
        return False
    if verdict is Verdict.APPROVE:
        return user in state.approvals
    return state.status is ApprovalStatus.REJECTED and state.decided_by == user


class Person:
    """One approver: one gesture at a time, across every request they decide."""

    def __init__(self, user: str, stack: ProcessStack, redeliver_every: int) -> None:
        self.user, self.stack, self.redeliver_every = user, stack, redeliver_every
        self.lock = asyncio.Lock()
        self.sent: list[Sent] = []
        self.modals = 0
        self.approved = 0  # acked Approve clicks
        self._seen = 0  # ephemerals this person had seen after their last delivery

    async def decide(self, request: Request, verdict: Verdict) -> bool:
        """Act until the request shows this person's decision; False if given up."""
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            state = await self._state(request.workflow_id)
            if stands(state, self.user, verdict):
                return True
            if state is not None and state.status.is_terminal:
                return False  # decided otherwise: nothing left to click
            card = await self._wait_card(request.workflow_id)
            if card is not None:
                async with self.lock:
                    if verdict is Verdict.APPROVE:
                        await self._approve(request, card)
                    else:
                        await self._reject(request, card)
            await self._stack_answers()
        return False

    async def _state(self, workflow_id: str) -> ApprovalState | None:
        try:
            return await load_approval(self.stack.client, workflow_id, RPC_TIMEOUT)
        except (DecisionRefused, TemporalUnreachable):
            return None  # not published yet, or not reachable now: look again later

    async def _wait_card(self, workflow_id: str) -> dict[str, Any] | None:
        """The request's card while it has buttons, once it is there (None: not yet)."""
        try:
            return await assert_eventually(
                lambda: self._card(workflow_id), bool, within=CARD_WITHIN, what="a card"
            )
        except AssertionError:
            return None

    def _card(self, workflow_id: str) -> dict[str, Any] | None:
        cards = [c for c in card_of(self.stack, workflow_id) if has_buttons(c)]
        return cards[-1] if cards else None

    async def _approve(self, request: Request, card: dict[str, Any]) -> None:
        sim = self.stack.sim
        try:
            sent, delivery = await self._send(
                request,
                Verdict.APPROVE,
                lambda: sim.click(self.user, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION),
                click_key,
            )
        except LookupError:  # redrawn without buttons meanwhile
            return
        self.approved += sent.acked
        if sent.acked and self.approved % self.redeliver_every == 0:
            # The same request again, as a network retry sends it: same click key.
            await self._send(
                request, Verdict.APPROVE, lambda: sim.redeliver(delivery), click_key, again=True
            )
        await self._settle(request, Verdict.APPROVE, sent)

    async def _reject(self, request: Request, card: dict[str, Any]) -> None:
        sim = self.stack.sim
        told = len(sim.ephemerals(self.user))
        try:
            opened = await sim.click(self.user, APPROVALS_CHANNEL_ID, card["ts"], REJECT_ACTION)
        except LookupError:
            return
        view = await self._modal(request.workflow_id, told) if opened.ok else None
        if view is None:
            return
        self.modals += 1
        values = {REASON_BLOCK: {REASON_INPUT: "rejected while the stack crashes"}}
        key = f"{self.user}:view:{view['id']}"
        while view["id"] in {v["id"] for v in sim.open_views(self.user)}:
            sent, _ = await self._send(
                request,
                Verdict.REJECT,
                lambda: sim.submit_view(self.user, view["id"], values),
                lambda _: key,
            )
            if sent.acked:
                await self._settle(request, Verdict.REJECT, sent)
                return
            await self._stack_answers()

    async def _modal(self, workflow_id: str, told: int) -> dict[str, Any] | None:
        """The reject modal the click opened, or None if the bot answered otherwise."""

        def opened() -> dict[str, Any] | bool | None:
            views = [
                v
                for v in self.stack.sim.open_views(self.user)
                if workflow_id in str(v.get("private_metadata"))
            ]
            if views:
                return views[-1]
            return len(self.stack.sim.ephemerals(self.user)) > told or None

        try:
            found = await assert_eventually(opened, bool, within=MODAL_WITHIN, what="the modal")
        except AssertionError:
            return None
        return found if isinstance(found, dict) else None

    async def _send(
        self,
        request: Request,
        verdict: Verdict,
        deliver: Callable[[], Awaitable[Delivery]],
        key_of: Callable[[Delivery], str],
        *,
        again: bool = False,
    ) -> tuple[Sent, Delivery]:
        """Deliver one decision and record it, with what the bot told the person meanwhile
        (a refusal is posted before the ack)."""
        before = len(self.stack.sim.ephemerals(self.user))
        delivery = await deliver()
        sent = Sent(
            request.workflow_id,
            self.user,
            verdict,
            key_of(delivery),
            delivery.status,
            delivery.error,
            dict(delivery.errors),
            redelivery=again,
            told=self._told_since(before),
            socket=delivery.transport == "socket",
        )
        self.sent.append(sent)
        self._seen = len(self.stack.sim.ephemerals(self.user))
        return sent, delivery

    def _told_since(self, count: int) -> list[str]:
        return [str(e["text"]) for e in self.stack.sim.ephemerals(self.user)[count:]]

    async def _settle(self, request: Request, verdict: Verdict, sent: Sent) -> None:
        """Watch until the request shows the decision or the bot tells the person something.
        An answer that comes only after the ack (the bot answers within 1 s, then acks and
        finishes answering) is kept with the delivery it answers."""

        async def outcome() -> bool:
            if sent.told or len(self.stack.sim.ephemerals(self.user)) > self._seen:
                return True
            return stands(await self._state(request.workflow_id), self.user, verdict)

        if sent.acked:
            with contextlib.suppress(AssertionError):  # judged afterwards, from the attempts
                await assert_eventually(
                    outcome, bool, within=SETTLE_WITHIN, interval=POLL, what="an outcome"
                )
        if not sent.told:
            sent.told = self._told_since(self._seen)

    async def _stack_answers(self) -> None:
        """Before looking again: until the bot and Temporal answer (a person whose click did
        not get through waits a moment and tries again)."""
        stack = self.stack

        async def up() -> bool:
            return await stack.server_answers() and await answers(stack.bot_health)

        await assert_eventually(
            up, bool, within=SETTLE_WITHIN, interval=POLL, what="the stack answering"
        )
