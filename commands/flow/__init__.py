"""``/flow``: start the flows of the flows directory (docs/flows.md) and list them. Who may
start which flow is the policy file's ``flows`` list. One module per verb; the help lists
them in this order."""

from __future__ import annotations

from importlib import import_module

from temporalio.service import RPCError

from commands.surface import Command, Surface
from orchestration.slack_text import escape

VERBS = ("start", "list")


def explain(err: Exception, command: Command) -> str:
    """What Temporal's refusal means to the person who asked."""
    return f"Temporal refused that ({escape(str(err))}); nothing was started."


FLOW = Surface(
    "flow",
    [import_module(f"{__name__}.{verb}").VERB for verb in VERBS],
    operators_only="",  # no verb is for operators only: the policy's flows list decides
    troubles=(RPCError,),
    explain=explain,
    footer='Inputs are key=value words; quote a value with spaces: note="two words".',
)
