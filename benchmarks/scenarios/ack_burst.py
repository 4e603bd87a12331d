"""``ack_burst``: the bot's ack under a sustained burst of clicks, each on a distinct real
order waiting for approval (started as the command line starts orders, its card posted by
the worker). The ack is what Slack waits for: the stand-in's signed POST to the bot's
``/slack/events`` until the HTTP response (Slack gives up after 3 s). Afterwards every acked
click must have been applied by its workflow, exactly once, unless the bot told the clicker
that Temporal did not answer in time ("nothing was changed": must not be applied; "may or may
not have been recorded": at most once).

Where the worker is its own process (chatops up), a second, shorter burst runs with the worker
stopped (SIGSTOP): the server and the bot then do only what comes before the ack (the check
and the durable signal), which tells the ack path's own cost from the CPU the decisions take
on the same cores. Resumed, the worker must apply every one of those decisions too.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from functools import partial
from typing import Any

from temporalio.client import Client

from benchmarks.drive import (
    acked,
    applied_once,
    bounded,
    click,
    paced,
    ready_orders,
    settled,
)
from benchmarks.scale import Scale
from benchmarks.scenarios import Row, judged, ms
from benchmarks.stacks import UP, Stack
from benchmarks.stats import summary
from orchestration.approval import ApprovableWorkflow
from slacksim import APPROVER_ID, SlackSim

NAME = "ack_burst"
TARGET_P99_MS = 100.0
TARGET_RATE = 100.0
TARGET_SECONDS = 60.0
JUDGE_CONCURRENCY = 16
# The burst with the worker stopped lasts at most this long.
PAUSED_SECONDS = 10.0
# What the bot answers when Temporal did not answer before Slack's deadline.
NOT_RECORDED = ("Could not reach Temporal", "NOT recorded")
MAYBE_RECORDED = ("may or may not have been recorded",)
REQUEST_LINE = "Request: "


def told(sim: SlackSim, workflow_ids: list[str]) -> dict[str, str]:
    """The clicks the bot answered with "Temporal did not answer": workflow id -> ``not``
    (nothing was recorded) or ``maybe`` (it may have been)."""
    wanted = set(workflow_ids)
    found: dict[str, str] = {}
    for ephemeral in sim.ephemerals(APPROVER_ID):
        text = str(ephemeral.get("text", ""))
        named = [line.removeprefix(REQUEST_LINE) for line in text.splitlines()]
        for workflow_id in wanted.intersection(named):
            if any(words in text for words in NOT_RECORDED):
                found[workflow_id] = "not"
            elif any(words in text for words in MAYBE_RECORDED):
                found[workflow_id] = "maybe"
    return found


async def applied_count(client: Client, workflow_id: str) -> int:
    """How many decisions the workflow has applied so far."""
    state = await client.get_workflow_handle(workflow_id).query(ApprovableWorkflow.approval)
    return 0 if state is None else sum(a.result.value == "applied" for a in state.attempts)


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    """``scale.ack_rate`` clicks a second for ``scale.ack_seconds`` seconds; then, with the
    worker stopped where it is its own process, for at most ``PAUSED_SECONDS``."""
    result = await burst(stack, scale.ack_rate, scale.ack_seconds)
    worker = stack.processes.get("worker") if stack.configuration == UP else None
    if worker is not None:
        result["worker_stopped"] = await burst(
            stack, scale.ack_rate, min(scale.ack_seconds, PAUSED_SECONDS), stopped=worker
        )
    return result


async def burst(
    stack: Stack, rate: float, seconds: float, stopped: int | None = None
) -> dict[str, Any]:
    """``rate`` clicks a second for ``seconds`` on as many waiting orders (with process
    ``stopped`` stopped meanwhile), then judge what became of each."""
    count = round(rate * seconds)
    started = time.perf_counter()
    cards = await ready_orders(stack, count)
    prepared = time.perf_counter() - started
    if stopped is not None:
        os.kill(stopped, signal.SIGSTOP)
    try:
        deliveries, behind = await paced(cards, rate, lambda card: click(stack, card))
    finally:
        if stopped is not None:
            os.kill(stopped, signal.SIGCONT)
    sent = time.perf_counter() - started - prepared
    acked_ids = [card.workflow_id for card, d in zip(cards, deliveries, strict=True) if acked(d)]
    answered = told(stack.sim, acked_ids)
    caught_up = await settled(stack, len(deliveries) - len(acked_ids) + len(answered))
    sure = [wid for wid in acked_ids if wid not in answered]
    once = await bounded(
        (partial(applied_once, stack.client, wid) for wid in sure), JUDGE_CONCURRENCY
    )
    unsure = list(answered)
    counts = await bounded(
        (partial(applied_count, stack.client, wid) for wid in unsure), JUDGE_CONCURRENCY
    )
    wrongly = [
        wid
        for wid, n in zip(unsure, counts, strict=True)
        if n > 1 or (n == 1 and answered[wid] == "not")
    ]
    samples = [d.elapsed_ms for d in deliveries]
    return {
        "rate": rate,
        "seconds": seconds,
        "clicks": len(deliveries),
        "acked": len(acked_ids),
        "errors": dict(Counter(d.error or f"HTTP {d.status}" for d in deliveries if not acked(d))),
        "not_applied_once": [wid for wid, ok in zip(sure, once, strict=True) if not ok],
        "told_not_recorded": sum(kind == "not" for kind in answered.values()),
        "told_maybe_recorded": sum(kind == "maybe" for kind in answered.values()),
        "answer_untrue": wrongly,
        "generator_behind_ms": behind,
        "prepare_seconds": prepared,
        "burst_seconds": sent,
        "decisions_applied_within_seconds": caught_up,
        "samples": {"ack": samples},
        "summary": {"ack": summary(samples)},
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    """p99 of the ack against 100 ms, every click acked and applied exactly once; and the
    same with the worker stopped, when that ran."""
    found = [row(NAME, configuration, result)]
    if "worker_stopped" in result:
        found.append(row(f"{NAME} (worker stopped)", configuration, result["worker_stopped"]))
    return found


def row(name: str, configuration: str, result: dict[str, Any]) -> Row:
    """One burst's line of the table."""
    ack = result["summary"]["ack"]
    wrong = len(result["not_applied_once"]) + len(result.get("answer_untrue", []))
    turned_away = result.get("told_not_recorded", 0) + result.get("told_maybe_recorded", 0)
    all_acked = result["acked"] == result["clicks"] and not turned_away
    measured = (
        f"p50 {ms(ack['p50'])}, p99 {ms(ack['p99'])}, max {ms(ack['max'])}; "
        f"{result['acked']:,}/{result['clicks']:,} acked at {result['rate']:.0f}/s "
        f"for {result['seconds']:.0f} s"
    )
    if turned_away:
        measured += f" ({turned_away:,} of them told Temporal did not answer in time)"
    measured += f"; {wrong} not applied as answered"
    if result.get("burst_seconds", 0) > 1.5 * result["seconds"]:
        measured += (
            f"; the clicks took {result['burst_seconds']:.0f} s to send, not "
            f"{result['seconds']:.0f}: the load generator fell behind its schedule"
        )
    ok = ack["p99"] <= TARGET_P99_MS and all_acked and wrong == 0
    met = judged(ok, result["rate"] >= TARGET_RATE and result["seconds"] >= TARGET_SECONDS)
    target = f"p99 <= {TARGET_P99_MS:.0f} ms at 100/s for 60 s; all acked, applied once"
    return Row(name, configuration, measured, target, met)


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    found = {"ack": result["samples"]["ack"]}
    if "worker_stopped" in result:
        found["ack, worker stopped"] = result["worker_stopped"]["samples"]["ack"]
    return found
