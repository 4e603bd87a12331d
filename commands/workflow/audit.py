"""``/workflow audit <id>``: every decision attempt of a request, as a file of JSON lines
joined by a hash chain (docs/audit.md), read from the workflow's history."""

from __future__ import annotations

import re

from commands.audit.export import export_workflow
from commands.audit.trail import AuditError
from commands.replies import CommandContext, Invoker, Reply, ReplyFile, refused
from commands.surface import Verb, usage_line
from commands.workflow.common import WorkflowId, one_workflow
from orchestration.decisions import quoted_id

# A file name made of the id: what is not a letter, digit, dot or dash becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
NAME_CHARS = 80


def file_name(workflow_id: str) -> str:
    """``audit-order-ORD-1.jsonl``: safe on every file system, whatever the id holds."""
    return f"audit-{_UNSAFE.sub('_', workflow_id)[:NAME_CHARS]}.jsonl"


async def run(context: CommandContext, args: WorkflowId, invoker: Invoker) -> Reply:
    """The export as a file; a workflow with no decision attempts gets a plain answer."""
    try:
        trail, lines = await export_workflow(context.client, args.workflow_id)
    except AuditError as err:
        return refused(str(err))
    named = quoted_id(args.workflow_id)
    count = len(trail.records)
    if not count:
        return refused(f"No decisions have been made on {named}: there is nothing to audit.")
    noun = "attempt" if count == 1 else "attempts"
    return Reply(
        f"Audit of {named}: {count} decision {noun}, as JSON lines with a hash chain "
        "(check it with `chatops audit --verify FILE`).",
        file=ReplyFile(
            name=file_name(args.workflow_id),
            title=f"Audit of {args.workflow_id}"[:200],
            content="\n".join(lines) + "\n",
        ),
    )


USAGE = usage_line("audit <id>", "every decision attempt, as a file (JSON lines, hash chain)")
VERB = Verb("audit", USAGE, one_workflow, run)
