"""Forgery: requests that are not what they claim, sent to the real bot over real HTTP, must
all be refused, saying why, and change nothing."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import aiohttp
import pytest

from tests.reliability.forgery_checks import find_changes
from tests.reliability.forgery_doors import (
    slack_replay,
    socket_forgery,
    socket_mode_bot,
    url_verification,
    webhook_forgery,
    webhook_replay,
)
from tests.reliability.forgery_judge import Judge, Outcome, Variant
from tests.reliability.forgery_payloads import Forger
from tests.reliability.forgery_setup import Stage, bot_under_test, set_stage
from tests.reliability.forgery_signatures import signature_variant
from tests.reliability.forgery_variants import Draw, authorization_variant
from tests.reliability.tally import Tally, sized
from tests.stack import Stack

SEED = 20261202
# Each family's share of the variants, in percent.
SHARES = {"signature": 30, "authorization": 35, "replay": 10, "webhook": 15, "socket_mode": 10}
SOCKET_BOTS: tuple[tuple[str, bool], ...] = (
    ("real workspace, no signing secret", False),
    ("stand-in", False),
    ("real workspace, own signing secret", True),
)
TITLE = "Forged, stale, replayed and unauthorised requests are refused and change nothing"
DESCRIPTION = (
    "The bot runs as deployed (HTTP on a real port, the agent-task webhook with a secret), "
    "and in Socket Mode three ways (a workspace without a signing secret, the stand-in, a "
    "workspace with its own secret). Requests aim at real requests waiting in #approvals "
    "(one approval needed, one of two approvals in, asked by an approver, amended while "
    "waiting, a RequestApproval with arguments, already approved, already rejected) and at a "
    "schedule. Families: signature (no, wrong, stale or malformed signatures, bodies edited "
    "after signing, on an approver's Approve, an operator's cancel and schedule pause, a "
    "reject modal), authorization (clicks on cards and Home tabs by non-approvers and by the "
    "requester, buttons naming another workflow, a superseded request or none, decided "
    "requests, forged modal submissions, operator-only commands and the schedule delete button "
    "from non-operators), replay (valid captured requests sent again as they were, re-signed, "
    "late, with the timestamp moved or the body edited; a webhook start replayed), webhook "
    "(no, bearer, wrong, rotated-away, stale, future or malformed credentials), socket_mode. "
    "Afterwards every target's approval state, attempts and status, the schedule, the tasks "
    "and the schedules list are read back from Temporal. wrongly accepted: a forgery let "
    "through at the door (2xx), a forged click applied, a task started, the schedule changed, "
    "or any other change to a target. A refusal is clear when it names its reason: a 4xx whose "
    "body says why, or an ephemeral, Home-tab notice or modal error that does; unclear "
    "refusals (and 5xx answers, counted also as server errors) are counted as unclear and "
    "under lost, since the person's answer was lost. stuck: a target whose workflow tasks "
    "failed."
)

Make = Callable[[Draw], Variant]
NOTES = [
    "Found and fixed: the schedule delete button, pressed by a non-operator in a forged "
    "payload claiming another message, answered through the response_url with "
    "replace_original and so overwrote that message (an approval card) with the refusal; now "
    "only an operator's answer replaces the question, anyone else gets a message of their "
    "own (and a click claiming a view is answered on the Home tab).",
    "Found and fixed: /slack/events answered every unverifiable request 401 "
    '{"error": "invalid request"} without saying why; the body now has the reason the log '
    "line names (never a header's value).",
    'Found and fixed: a button naming no workflow (an empty id) was answered "Could not reach '
    'Temporal (INVALID_ARGUMENT)", as if Temporal were down; it now says it names no '
    "workflow. Ids quoted in refusals are escaped and cut to 200 characters.",
    "Known limit, by design: a valid Slack request replayed within its five minutes passes "
    "the signature check (Slack's scheme has no nonce). The replay family shows it changes "
    "nothing: the gate keeps each click's key, and a decided request refuses later decisions.",
    "Known limit: Socket Mode deliveries arrive over a connection Slack opened with the app "
    "token and are not forged here; the HTTP port of a Socket Mode bot is.",
]


async def run_family(judge: Judge, family: str, count: int, make: Make, draw: Draw) -> int:
    """Judge ``count`` distinct variants from ``make``; how many were tried."""
    seen: set[object] = set()
    for _ in range(count * 5):
        if len(seen) >= count:
            break
        variant = make(draw)
        if variant.key() in seen:
            continue
        seen.add(variant.key())
        await judge.judge(variant)
    return len(seen)


async def socket_mode(stack: Stack, judge: Judge, draw: Draw, count: int) -> int:
    """Each Socket Mode bot gets its share; the one with a secret proves it verifies with it."""
    tried = 0
    for name, own_secret in SOCKET_BOTS:
        async with socket_mode_bot(stack.client, name, own_secret) as bot:
            if bot.secret is not None:
                body, headers = url_verification(bot)
                assert await judge.post(bot.url, body, headers) == (200, '{"challenge": "c-1"}')
            share = -(-count // len(SOCKET_BOTS))  # rounded up: the long run's total holds
            make = functools.partial(socket_forgery, bot=bot)
            tried += await run_family(judge, "socket_mode", share, make, draw)
    return tried


def families(stage: Stage, doors_hook: str, tasks: list[str]) -> dict[str, Make]:
    """How each family (but Socket Mode) makes a variant."""

    def webhook(draw: Draw) -> Variant:
        variant, task_id = webhook_forgery(draw, doors_hook)
        tasks.append(task_id)
        return variant

    def replay(draw: Draw) -> Variant:
        if draw.rng.random() < 0.25:
            return webhook_replay(draw, doors_hook, stage.hook_body, stage.hook_headers)
        return slack_replay(draw, draw.pick(stage.captures))

    return {
        "signature": signature_variant,
        "authorization": authorization_variant,
        "replay": replay,
        "webhook": webhook,
    }


async def run_all(
    stack: Stack, judge: Judge, stage: Stage, events: str, hook: str, tasks: list[str], size: int
) -> dict[str, int]:
    """Every family's share of ``size`` variants; how many of each were tried."""
    draw = Draw(Forger(stack.sim), events, random.Random(SEED), stage.targets)
    tried: dict[str, int] = {}
    for family, make in families(stage, hook, tasks).items():
        count = size * SHARES[family] // 100
        tried[family] = await run_family(judge, family, count, make, draw)
    share = size * SHARES["socket_mode"] // 100
    tried["socket_mode"] = await socket_mode(stack, judge, draw, share)
    return tried


def record_counts(tally: Tally, judge: Judge, tried: dict[str, int], accepted: int) -> None:
    tally.add("variants", sum(tried.values()))
    for family, count in tried.items():
        tally.add(f"variants_{family}", count)
    unclear = judge.count(Outcome.UNCLEAR) + judge.count(Outcome.SERVER_ERROR)
    tally.add("server_errors", judge.count(Outcome.SERVER_ERROR))
    tally.add("unclear", unclear)
    tally.add("lost", unclear)
    tally.add("wrongly_accepted", accepted)


@pytest.mark.reliability
async def test_forged_requests_are_refused_and_change_nothing(stack: Stack) -> None:
    size = sized(200, 1050)
    tally = Tally(scenario="forgery", title=TITLE, description=DESCRIPTION)
    tasks: list[str] = []
    async with bot_under_test(stack) as doors, aiohttp.ClientSession() as session:
        judge = Judge(stack.sim, session)
        stage = await set_stage(stack, judge, doors)
        try:
            tried = await run_all(stack, judge, stage, doors.events, doors.hook, tasks, size)
            found = await find_changes(stack, stage, judge, tasks)
        finally:
            await stack.client.get_schedule_handle(stage.targets.schedule_id).delete()
    record_counts(tally, judge, tried, len(found.accepted))
    tally.add("stuck", len(found.stuck))
    tally.notes.append(f"Seed {SEED}: variants are drawn from random.Random({SEED}).")
    tally.notes += NOTES
    problems = [j for j in judge.results if j.outcome is not Outcome.REFUSED]
    for judged in problems[:20]:
        tally.notes.append(
            f"{judged.outcome}: {judged.variant.request.what} -> {judged.status} {judged.said!r}"
        )
    tally.notes += found.accepted[:20] + found.stuck
    tally.record()
    assert tally.failures() == {}, tally.notes
    assert tally.counts["unclear"] == 0, tally.notes
    assert tally.counts["variants"] >= size * 0.95
