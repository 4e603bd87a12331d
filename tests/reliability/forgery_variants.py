"""Forged requests to the bot's ``/slack/events``, drawn from a seeded random: what the
families share (the targets, the draw), and the authorization family.

- *authorization*: requests Slack itself would sign, from people who may not do what they
  ask: clicks (on cards and Home tabs) by non-approvers and by the requester, buttons naming
  another workflow, a superseded request or no workflow at all, decisions on requests already
  decided, modal submissions naming a request, operator-only commands and the schedule delete
  button from non-operators.

Each variant says how it must be refused; the signature family is in ``forgery_signatures``,
the webhook, replays and Socket Mode in ``forgery_doors``.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from activities.cards import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.modals import EDIT_VIEW, REJECT_VIEW
from commands.schedule.delete import DELETE_ACTION
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_SIGNING_SECRET,
    OPERATOR_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
)
from tests.reliability.forgery_judge import Variant
from tests.reliability.forgery_payloads import (
    Forger,
    Request,
    signed_headers,
)
from tests.reliability.forgery_stage import Target

Reasons = tuple[str, ...]
NOT_APPROVER: Reasons = ("You are not an approver",)
REQUESTED = ("so someone else must decide it",)
OUT_OF_DATE = ("This card is out of date",)
ALREADY: Reasons = (
    "your decision stands",
    "You already approved this",
    "Already approved by",
    "Already rejected by",
)
NO_WORKFLOW = ("No workflow",)
NO_NAME = ("names no workflow",)
NO_ARGUMENTS = ("no arguments to edit",)
OPERATORS = ("Only operators",)
NON_OPERATORS = (OUTSIDER_ID, REQUESTER_ID, APPROVER_ID, APPROVER2_ID)
OUTSIDERS = (OUTSIDER_ID, OPERATOR_ID)
T = TypeVar("T")


@dataclass
class Targets:
    """The stage's requests, by role."""

    waiting: Target  # one approval needed, asked by the requester
    quorum: Target  # two needed; APPROVER_ID's is in
    own: Target  # asked by APPROVER_ID
    amended: Target  # request 2 waits; request 1 (old_card_ts) superseded
    old_card_ts: str
    deploy: Target  # RequestApproval with arguments, asked by the requester
    approved: Target  # approved by APPROVER_ID, finished
    rejected: Target  # rejected by APPROVER2_ID, finished
    schedule_id: str

    def requested_by_requester(self) -> list[Target]:
        return [self.waiting, self.quorum, self.amended, self.deploy]


@dataclass
class Draw:
    """What the generators share: the forger, where the bot listens, the random."""

    forger: Forger
    url: str
    rng: random.Random
    targets: Targets

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]


# Authorization -----------------------------------------------------------------------------


def slack_signed(draw: Draw, request: Request, user: str, expect: tuple[str, ...]) -> Variant:
    """A request Slack would sign and deliver: refused in Slack, to ``user``."""
    headers = signed_headers(request, DEFAULT_SIGNING_SECRET)
    return Variant("authorization", request, headers, draw.url, expect, at_door=False, user=user)


def click_expectation(draw: Draw, user: str, action: str, target: Target) -> tuple[str, ...] | None:
    """Why ``user`` may not press ``action`` on ``target`` (the gate's rules, in its order);
    None if they may."""
    t = draw.targets
    if target in (t.approved, t.rejected):
        return ALREADY
    if action == EDIT_ACTION and target is not t.deploy:
        return NO_ARGUMENTS  # only the deploy request has arguments
    if user == APPROVER_ID and target is t.quorum and action == APPROVE_ACTION:
        return ("You already approved this",)
    requester = APPROVER_ID if target is t.own else REQUESTER_ID
    if user == requester:
        return REQUESTED
    if user not in (APPROVER_ID, APPROVER2_ID):
        return NOT_APPROVER
    return None


def unauthorized_click(draw: Draw) -> Variant:
    """A click by someone who may not decide, or on a button naming a request they may not
    decide (another workflow, an old request, none)."""
    t = draw.targets
    user = draw.pick((OUTSIDER_ID, OPERATOR_ID, REQUESTER_ID, APPROVER_ID, APPROVER2_ID))
    action = draw.pick((APPROVE_ACTION, REJECT_ACTION, EDIT_ACTION))
    on_home = draw.rng.random() < 0.3
    card = draw.pick([t.waiting, t.quorum, t.own, t.amended, t.deploy])
    kind = draw.rng.randrange(4)
    expect: Reasons
    if kind == 0:  # an old request: the superseded card, or a request id never asked
        value = draw.pick([t.amended.value("1"), t.deploy.value(str(draw.rng.randint(2, 99)))])
        expect = OUT_OF_DATE
        if value == t.amended.value("1") and not on_home:  # as the old card still shows it
            card = replace(t.amended, card_ts=t.old_card_ts)
    elif kind == 1:  # no such workflow, or none named
        value = draw.pick([f"order-ORD-{secrets.token_hex(4)}|1", "|1", "", f"|{user}"])
        expect = NO_NAME if value.startswith("|") or not value else NO_WORKFLOW
    else:  # a real request, the card's own or another one
        target = draw.pick(
            [t.waiting, t.quorum, t.own, t.amended, t.deploy, t.approved, t.rejected]
        )
        found = click_expectation(draw, user, action, target)
        if found is None:  # allowed: have someone press it who may not
            user = draw.pick(OUTSIDERS)
            found = click_expectation(draw, user, action, target)
        assert found is not None
        value, expect = target.value(), found
    request = draw.forger.click(user, card.card_ts, action, value, on_home=on_home)
    return slack_signed(draw, request, user, expect)


def operator_command(draw: Draw) -> Variant:
    """An operator-only command from someone who is not an operator."""
    t, rng = draw.targets, draw.rng
    user = draw.pick(NON_OPERATORS)
    wf, sched = draw.pick([t.waiting, t.deploy, t.quorum]).workflow_id, t.schedule_id
    reason = draw.pick(["", "because", "forged <!channel>", f"r{rng.randint(0, 10**6)}"])
    every = draw.pick(["30m", "1h", "2h", "1d", f"{rng.randint(1, 59)}m"])
    command, text = draw.pick(
        [
            ("/workflow", f"cancel {wf} {reason}"),
            ("/workflow", f"pause {wf} {reason}"),
            ("/workflow", f"resume {wf}"),
            ("/schedule", f"pause {sched} {reason}"),
            ("/schedule", f"pause {sched} for {every} {reason}"),
            ("/schedule", f"unpause {sched} {reason}"),
            ("/schedule", f"trigger {sched}"),
            ("/schedule", f"update {sched} every {every}"),
            ("/schedule", f"create forged-{rng.randint(0, 10**6)} every {every}"),
            ("/schedule", f"delete {sched}"),
            ("/schedule", f"backfill {sched} 2026-11-20T00:00 2026-11-20T0{rng.randint(1, 6)}:00"),
        ]
    )
    request = draw.forger.slash(user, command, text.strip())
    return slack_signed(draw, request, user, OPERATORS)


def delete_button(draw: Draw) -> Variant:
    """The schedule delete confirmation pressed by a non-operator (it names any schedule)."""
    user = draw.pick(NON_OPERATORS)
    card = draw.pick([draw.targets.waiting, draw.targets.deploy])
    schedule = draw.pick([draw.targets.schedule_id, "scrape", f"s-{draw.rng.randint(0, 999)}"])
    request = draw.forger.click(user, card.card_ts, DELETE_ACTION, schedule)
    return slack_signed(draw, request, user, OPERATORS)


def forged_submission(draw: Draw) -> Variant:
    """A reject or edit modal, never opened for this person, naming a request."""
    t = draw.targets
    user = draw.pick((OUTSIDER_ID, OPERATOR_ID, REQUESTER_ID))
    target = draw.pick([t.waiting, t.deploy, t.quorum])
    channel = draw.pick([APPROVALS_CHANNEL_ID, None])
    metadata = {"workflow_id": target.workflow_id, "request_id": "1", "channel": channel}
    edit = draw.rng.random() < 0.5
    action = EDIT_ACTION if edit else REJECT_ACTION
    expect = click_expectation(draw, user, action, target)
    assert expect is not None
    if edit:
        values = {"arguments": '{"version": "6.6.6"}', "reason": "forged"}
        request = draw.forger.submission(user, EDIT_VIEW, metadata, values)
    else:
        reason = f"forged {draw.rng.randint(0, 10**6)}"
        request = draw.forger.submission(user, REJECT_VIEW, metadata, {"reason": reason})
    return slack_signed(draw, request, user, expect)


AUTHORIZATION: tuple[Callable[[Draw], Variant], ...] = (
    unauthorized_click,
    unauthorized_click,
    unauthorized_click,
    operator_command,
    operator_command,
    delete_button,
    forged_submission,
)


def authorization_variant(draw: Draw) -> Variant:
    """One request Slack would deliver, from someone who may not do what it asks."""
    return draw.pick(AUTHORIZATION)(draw)
