"""``/workflow`` and ``chatops workflow``: read workflows (works with no worker running:
describe, memo, visibility; live queries when a worker answers), and cancel or pause them
(operators). One module per verb; the help lists them in this order."""

from __future__ import annotations

from importlib import import_module

from commands.surface import Surface
from commands.workflow.common import TROUBLES, explain

VERBS = (
    "status",
    "list",
    "pending",
    "stuck",
    "history",
    "audit",
    "cancel",
    "pause",
    "resume",
    "stats",
)

WORKFLOW = Surface(
    "workflow",
    [import_module(f"{__name__}.{verb}").VERB for verb in VERBS],
    operators_only="Only operators (CHATOPS_OPERATORS) may cancel, pause or resume workflows; "
    "nothing was changed.",
    troubles=TROUBLES,
    explain=explain,
)
