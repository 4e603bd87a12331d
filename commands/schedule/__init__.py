"""``/schedule`` and ``chatops schedule``: read and change Temporal Schedules. Changes are for
operators only, and every change is announced in the channel with who and why. One module
per verb; the help lists them in this order."""

from __future__ import annotations

from importlib import import_module

from commands.schedule.common import TROUBLES, explain
from commands.surface import Surface

VERBS = (
    "list",
    "describe",
    "pause",
    "unpause",
    "trigger",
    "update",
    "create",
    "delete",
    "backfill",
)

SCHEDULE = Surface(
    "schedule",
    [import_module(f"{__name__}.{verb}").VERB for verb in VERBS],
    operators_only="Only operators (CHATOPS_OPERATORS) may change schedules; nothing was changed.",
    troubles=TROUBLES,
    explain=explain,
    footer="Durations: 90s, 30m, 2h, 1d, 1h30m.",
)
