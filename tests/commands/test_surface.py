"""The surfaces: the help is assembled from the verbs' usage lines (and reads as it always
has), every verb module is registered, and the surface, not each verb, keeps changes for
operators."""

from __future__ import annotations

import pkgutil
from types import ModuleType
from unittest.mock import AsyncMock

import pytest

import commands.schedule
import commands.workflow
from commands.replies import CommandContext, Invoker
from commands.schedule import SCHEDULE
from commands.surface import Surface
from commands.workflow import WORKFLOW

pytestmark = pytest.mark.unit

WORKFLOW_HELP = """\
Usage: /workflow <command>
  status <id>                      kind, state, step, pending approval, who decided, a link
  list [running|completed|failed|cancelled|terminated|timed_out] [order|ticket|agent_task|request_approval|flow]
  pending                          approvals waiting, oldest first
  stuck                            workflows whose workflow task keeps failing, oldest first
  history <id>                     decisions and key events from the workflow's history
  audit <id>                       every decision attempt, as a file (JSON lines, hash chain)
  cancel <id> [reason ...]         cancel a workflow (operators)
  pause <id> [reason ...]          hold a ticket before its next step (operators)
  resume <id> [reason ...]         let a paused ticket move again (operators)
  stats [period]                   approvals in the last period (default 7d, at most 366d):
                                   count, median time to decision, expiries, per approver
  help                             this text"""  # noqa: E501 (the list line, as Slack shows it)

SCHEDULE_HELP = """\
Usage: /schedule <command>
  list                             every schedule, paused or not, with its next run
  describe <id>                    spec, state, note, recent and next runs
  pause <id> [for <duration>] [reason ...]
                                   pause; "for 2h" unpauses by itself, at most 30d (operators)
  unpause <id> [reason ...]        (operators)
  trigger <id>                     run now, even while a run is active (operators)
  update <id> every <duration>     e.g. every 30m, 1s to 366d (operators)
  update <id> cron "<expr>"        e.g. cron "0 8 * * 1-5" (operators)
  create <id> every <duration> | cron "<expr>"
                                   a new scrape schedule (operators)
  delete <id>                      asks to confirm (a button; in a terminal, add --confirm);
                                   then it is gone (operators)
  backfill <id> <from> <to>        the runs a time range (at most 366d) would have had, e.g.
                                   backfill scrape 2026-11-20T00:00 2026-11-20T06:00 (operators)
  help                             this text
Durations: 90s, 30m, 2h, 1d, 1h30m."""


# Modules the verbs share; every other module in a surface's package is a verb.
SHARED = {"common", "approvals", "specs", "pending_index", "threshold", "waiting", "task_failure"}


def test_the_help_is_assembled_from_the_verbs_usage_lines() -> None:
    assert WORKFLOW.usage == WORKFLOW_HELP
    assert SCHEDULE.usage == SCHEDULE_HELP
    assert [WORKFLOW.parse(t).verb for t in ("", "help", "-h", "--help x")] == [WORKFLOW.help] * 4


@pytest.mark.parametrize(
    ("package", "surface"), [(commands.workflow, WORKFLOW), (commands.schedule, SCHEDULE)]
)
def test_every_verb_module_is_registered_once(package: ModuleType, surface: Surface) -> None:
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - SHARED
    assert sorted(surface.verbs) == sorted(modules)
    for name, verb in surface.verbs.items():
        assert verb.name == name and verb.usage.startswith(f"  {name}")
        assert verb.usage in surface.usage


@pytest.mark.parametrize(
    ("surface", "text", "refusal"),
    [
        (WORKFLOW, "cancel order-1 why", "may cancel, pause or resume workflows"),
        (WORKFLOW, "resume ticket-1", "may cancel, pause or resume workflows"),
        (SCHEDULE, "trigger scrape", "may change schedules"),
        (SCHEDULE, "delete scrape", "may change schedules"),
    ],
)
async def test_changes_are_refused_to_non_operators_before_temporal_is_asked(
    surface: Surface, text: str, refusal: str
) -> None:
    temporal = AsyncMock()  # any call on it would be recorded
    command = surface.parse(text)
    reply = await surface.run(CommandContext(temporal), command, Invoker("U1", False))
    assert command.changes and not reply.ok
    assert reply.text.startswith("Only operators (CHATOPS_OPERATORS)") and refusal in reply.text
    assert temporal.mock_calls == []


async def test_help_needs_no_temporal() -> None:
    for surface in (WORKFLOW, SCHEDULE):
        reply = await surface.run(
            CommandContext(AsyncMock()), surface.parse(""), Invoker("U1", False)
        )
        assert reply.text == f"```{surface.usage}```"
