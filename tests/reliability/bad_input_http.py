"""Bad input through the real bot over HTTP, signed as Slack (or the webhook's caller) signs it:
slash-command text, click payloads, modal submissions, webhook bodies.

Hypothesis draws the inputs (reproducibly, from the seed); they are then sent one by one and
each answer judged from what came back: never a 5xx; a 4xx with a body that says why; or, for
what Slack delivers, an answer the person sees (the ack, an ephemeral, a Home-tab notice, a
modal error) in words, saying what the limit is when the input was over one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from activities.cards import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.hooks import MAX_BODY
from bot.modals import (
    EDIT_VIEW,
    MAX_INPUT_LENGTH,
    MAX_REASON_LENGTH,
    REJECT_VIEW,
    parse_edited_arguments,
)
from commands.schedule.delete import DELETE_ACTION
from commands.surface import MAX_COMMAND_CHARS
from slacksim import APPROVALS_CHANNEL_ID, DEFAULT_SIGNING_SECRET, OUTSIDER_ID, REQUESTER_ID
from slacksim.delivery import FORM, JSON
from tests.reliability.bad_input_pure import SEED, examples
from tests.reliability.bad_input_results import Results, clear_text
from tests.reliability.bad_input_strategies import (
    DEPTHS,
    JSON_VALUE,
    PIECE,
    SLASH_TEXT,
    TEXT,
    deep_text,
    mutate,
)
from tests.reliability.forgery_doors import hook_headers
from tests.reliability.forgery_judge import Judge, readable
from tests.reliability.forgery_payloads import Forger, Request, interactive, signed_headers
from tests.reliability.forgery_stage import Target

ANSWER_WITHIN = 5.0
BODY_LIMIT = 1024 * 1024  # aiohttp's client_max_size, which the bot keeps
PEOPLE = (OUTSIDER_ID, REQUESTER_ID)  # neither may decide the target nor run changes
ACTIONS = (APPROVE_ACTION, REJECT_ACTION, EDIT_ACTION, DELETE_ACTION)


def drawn(strategy: SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` examples of ``strategy``, reproducible from the seed."""
    found: list[Any] = []

    @seed(SEED)
    @examples(count)
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    collect()
    return found


@dataclass
class Sender:
    """Sends cases to the bot under test and judges the answers."""

    judge: Judge
    events: str
    hook: str
    results: Results
    started: list[str] = field(default_factory=list)  # workflow ids the webhook started

    async def slack(
        self, family: str, request: Request, user: str | None, limit: str | None, what: str
    ) -> None:
        """A request Slack would deliver: the person must get an answer that says why."""
        self.results.case(family)
        seen = self.judge.seen(user)
        headers = signed_headers(request, DEFAULT_SIGNING_SECRET)
        status, text = await self.judge.post(self.events, request.body, headers)
        if status >= 500:
            self.results.problem("server_errors", family, f"{what} -> {status} {text[:100]}")
            return
        if status == 413:  # aiohttp's limit on a request body (1 MiB), which it names
            limit = str(BODY_LIMIT)
        if status != 200:
            if not clear_text(readable(text), limit):
                self.results.problem("unclear", family, f"{what} -> {status} {text[:200]}")
            return
        deadline = time.monotonic() + ANSWER_WITHIN
        said = readable(text)
        while not clear_text(said, limit) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            said = readable(text) + "\n" + "\n".join(self.judge.new_answers(user, seen))
        if not clear_text(said, limit):
            kind = "over_limit_accepted" if limit and clear_text(said) else "unclear"
            self.results.problem(kind, family, f"{what} -> {said.strip()[:200]!r}")

    async def webhook(self, body: bytes, content_type: str, what: str) -> None:
        """A signed webhook call: 202/200 started (or had started) a task; else a 4xx whose
        JSON names the problem (413 with the limit)."""
        self.results.case("webhook_bodies")
        headers = hook_headers(body) | {"Content-Type": content_type}
        status, text = await self.judge.post(self.hook, body, headers)
        limit = f"{MAX_BODY}" if len(body) > MAX_BODY else None
        if status >= 500:
            self.results.problem("server_errors", "webhook_bodies", f"{what} -> {status} {text}")
        elif status in (200, 202):
            if limit:
                self.results.problem("over_limit_accepted", "webhook_bodies", what)
            self.started.append(json.loads(text)["workflow_id"])
        else:
            error = str(json.loads(text).get("error", "")) if text.startswith("{") else ""
            if not clear_text(error, limit):
                self.results.problem("unclear", "webhook_bodies", f"{what} -> {status} {text}")


# Slash commands ----------------------------------------------------------------------------


async def slash_commands(sender: Sender, forger: Forger, count: int) -> None:
    """Any text after /workflow or /schedule, from people who are not operators."""
    cases = drawn(st.tuples(st.sampled_from(PEOPLE), st.booleans(), SLASH_TEXT), count)
    for user, schedule, text in cases:
        command = "/schedule" if schedule else "/workflow"
        limit = f"{MAX_COMMAND_CHARS:,}" if len(text) > MAX_COMMAND_CHARS else None
        request = forger.slash(user, command, text)
        what = f"{command} {text[:60]!r} ({len(text)} chars)"
        await sender.slack("slash_commands", request, user, limit, what)


# Clicks ------------------------------------------------------------------------------------


def click_payloads(forger: Forger, target: Target) -> SearchStrategy[tuple[str, bool, Any]]:
    """A click on the target's card by someone who may not decide it, with its value, action
    and timestamp replaced by anything; and whether its other fields are as Slack sends them
    (else some are dropped or replaced by anything too)."""

    def build(user: str, action: str, value: Any, stamp: Any, on_home: bool) -> dict[str, Any]:
        request = forger.click(user, target.card_ts, action, "", on_home=on_home)
        payload = json.loads(_payload_of(request))
        payload["actions"][0].update(value=value, action_ts=stamp)
        return payload

    value = st.one_of(TEXT, st.just(target.value()), st.just(target.value("9")), JSON_VALUE)
    stamp = st.one_of(st.just("1700000000.000100"), TEXT, JSON_VALUE)
    action = st.sampled_from(ACTIONS) | PIECE
    people = st.sampled_from(PEOPLE)
    base = st.builds(build, people, action, value, stamp, st.booleans())
    intact = base.map(lambda p: (True, p))
    mutated = base.flatmap(lambda p: st.tuples(st.just(False), mutate(p)))
    return st.tuples(people, intact | mutated).map(lambda t: (t[0], *t[1]))


def _payload_of(request: Request) -> str:
    return parse_qs(request.body.decode())["payload"][0]


def click_limit(payload: Any) -> str | None:
    """The limit a click's value is over, if any (Slack's 2,000 for a button's value)."""
    try:
        value = payload["actions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return None
    return "2000" if isinstance(value, str) and len(value) > 2000 else None


async def clicks(sender: Sender, forger: Forger, target: Target, count: int) -> None:
    """Click payloads of every shape, signed: refused with a reason, never a 5xx."""
    for user, intact, payload in drawn(click_payloads(forger, target), count):
        body = urlencode({"payload": json.dumps(payload)}).encode()
        what = f"click {json.dumps(payload)[:200]}"
        request = Request(body, FORM, what)
        # Over the limit and otherwise as Slack sends it: the refusal must say the limit;
        # with other fields broken too, whichever it names first will do.
        limit = click_limit(payload) if intact else None
        await sender.slack("clicks", request, clicker(payload) or user, limit, what)


def clicker(payload: Any) -> str | None:
    """Who the payload says clicked, when it is someone the stand-in can show answers to."""
    user = payload.get("user") if isinstance(payload, dict) else None
    who = user.get("id") if isinstance(user, dict) else None
    return who if who in PEOPLE else None


# Modals ------------------------------------------------------------------------------------


def modal_cases(target: Target) -> SearchStrategy[tuple[str, str, Any, dict[str, str]]]:
    """A reject or edit modal submitted by someone who may not decide: any reason, any
    arguments, metadata naming the target, another request, nothing, or not JSON."""
    good = {"workflow_id": target.workflow_id, "request_id": "1", "channel": APPROVALS_CHANNEL_ID}
    metadata = st.one_of(
        st.just(good),
        st.just(good | {"channel": None}),
        mutate(good).filter(lambda m: not isinstance(m, dict) or _known_channel(m)),
    )
    values = st.fixed_dictionaries(
        {"reason": TEXT}, optional={"arguments": TEXT | DEPTHS.map(deep_text)}
    )
    callback = st.sampled_from([REJECT_VIEW, EDIT_VIEW])
    return st.tuples(st.sampled_from(PEOPLE), callback, metadata, values)


def _known_channel(metadata: dict[str, Any]) -> bool:
    # Slack hands private metadata back as the bot set it: the channel is one it answered in.
    return metadata.get("channel") in (None, APPROVALS_CHANNEL_ID)


def modal_limit(callback: str, values: dict[str, str]) -> str | None:
    """The limit the submission is over (the first one the modal checks), if any."""
    if callback == EDIT_VIEW:
        arguments = values.get("arguments", "").strip()
        if len(arguments) > MAX_INPUT_LENGTH:
            return str(MAX_INPUT_LENGTH)
        if isinstance(parse_edited_arguments(arguments), str):
            return None  # the arguments' own error comes first
    if len(values.get("reason", "").strip()) > MAX_REASON_LENGTH:
        return str(MAX_REASON_LENGTH)
    return None


async def modals(sender: Sender, forger: Forger, target: Target, count: int) -> None:
    """Modal submissions of any content: a field error, or a refusal saying why."""
    for user, callback, metadata, values in drawn(modal_cases(target), count):
        request = forger.submission(user, callback, {}, values)
        payload = json.loads(_payload_of(request))
        raw = metadata if isinstance(metadata, str) else json.dumps(metadata)
        payload["view"]["private_metadata"] = raw[:3000]
        what = f"{callback} {raw[:80]} {json.dumps(values)[:120]}"
        limit = modal_limit(callback, values)
        await sender.slack("modals", interactive(payload, what), user, limit, what)


# Webhook -----------------------------------------------------------------------------------

TASK: dict[str, Any] = {"task_id": "BAD-1", "agent": "ops-bot", "tool": "search"}
TASK |= {"action": "read"}
TASK |= {"target": "docs", "input": "find the runbook", "arguments": {"n": 1}}


def webhook_bodies(unique_id: Callable[[], str]) -> SearchStrategy[tuple[bytes, str]]:
    """Task bodies: the example with fields replaced, any JSON, deep, larger than the limit,
    not JSON; mostly as JSON, sometimes another content type."""
    task = mutate(TASK).map(lambda t: _with_id(t, unique_id))
    as_bytes = st.one_of(
        task.map(lambda t: json.dumps(t).encode()),
        task.map(lambda t: json.dumps(t).encode()),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        DEPTHS.map(lambda n: deep_text(n).encode()),
        st.just(json.dumps(TASK | {"input": "x" * MAX_BODY}).encode()),
        TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
    kind = st.sampled_from([JSON, JSON, JSON, "text/plain", "application/problem+json"])
    return st.tuples(as_bytes, kind)


def _with_id(task: Any, unique_id: Callable[[], str]) -> Any:
    # Each valid-looking task gets an id of its own, so a retry is never what is measured.
    if isinstance(task, dict) and task.get("task_id") == "BAD-1":
        return task | {"task_id": unique_id()}
    return task


async def webhook(sender: Sender, unique_id: Callable[[], str], count: int) -> None:
    for body, content_type in drawn(webhook_bodies(unique_id), count):
        await sender.webhook(body, content_type, f"{content_type} {body[:120]!r}")
