"""``/workflow list [state] [kind]``: the newest workflows that ask for approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from commands.replies import CommandContext, Reply, clip, workflow_link
from commands.surface import reporting_verb, usage_line
from commands.words import BadCommand
from commands.workflow.common import (
    APPROVABLE,
    KIND_TYPES,
    STATE_NAMES,
    WORKFLOW_KINDS,
    WORKFLOW_STATES,
    kind_of,
    kind_text,
    state_of,
    state_text,
    types_clause,
)
from commands.workflow.task_failure import listed_problem, stuck_mark
from orchestration.slack_text import escape
from orchestration.wording import format_time

LIST_LIMIT = 20


@dataclass(frozen=True)
class WorkflowList:
    """``/workflow list [state] [kind]``."""

    state: str | None = None
    kind: str | None = None


class ListedWorkflow(BaseModel):
    """One workflow in a list."""

    workflow_id: str
    workflow_type: str
    kind: str
    state: str
    step: str | None = Field(description="the step its memo names, e.g. awaiting_approval")
    started_at: datetime
    link: str | None
    stuck: str | None = Field(
        default=None,
        description="why its workflow task keeps failing, in a few words (null: not stuck)",
    )


class ListReport(BaseModel):
    """``chatops workflow list [state] [kind] --json``."""

    state: str | None = Field(description="the state asked for (null: any)")
    kind: str | None = Field(description="the kind asked for (null: any that asks approval)")
    workflows: list[ListedWorkflow] = Field(description=f"newest first, at most {LIST_LIMIT}")
    more: bool = Field(description="more workflows matched than are listed")


def parse(words: list[str], terminal: bool) -> WorkflowList:
    """A state and a kind, each at most once, in any order."""
    state = kind = None
    for word in (w.lower() for w in words):
        if word in WORKFLOW_STATES and state is None:
            state = word
        elif word in WORKFLOW_KINDS and kind is None:
            kind = word
        else:
            raise BadCommand(
                f"{word!r} is neither a state ({', '.join(WORKFLOW_STATES)}) nor a kind "
                f"({', '.join(WORKFLOW_KINDS)}), or it was given twice."
            )
    return WorkflowList(state, kind)


async def report(context: CommandContext, args: WorkflowList) -> ListReport:
    """The newest workflows, filtered by state and kind (visibility: no worker needed)."""
    types = (KIND_TYPES[args.kind],) if args.kind else APPROVABLE
    query = types_clause(types)
    if args.state:
        query += f" AND ExecutionStatus = '{STATE_NAMES[args.state]}'"
    found: list[ListedWorkflow] = []
    more = False
    async for execution in context.client.list_workflows(query, limit=LIST_LIMIT + 1):
        if len(found) == LIST_LIMIT:
            more = True
            break
        step = await execution.memo_value("status", None)
        found.append(
            ListedWorkflow(
                workflow_id=execution.id,
                workflow_type=execution.workflow_type,
                kind=kind_of(execution.workflow_type),
                state=state_of(execution.status),
                step=str(step["step"]) if isinstance(step, dict) and step.get("step") else None,
                started_at=execution.start_time,
                link=workflow_link(context, execution.id),
                stuck=listed_problem(execution),
            )
        )
    return ListReport(state=args.state, kind=args.kind, workflows=found, more=more)


def render(listed: ListReport) -> Reply:
    """One line per workflow, newest first."""
    lines = []
    for row in listed.workflows:
        step = f" · {escape(row.step.replace('_', ' '))}" if row.step else ""
        step += f" · {stuck_mark(row.stuck)}" if row.stuck else ""
        lines.append(
            f"• `{escape(row.workflow_id)}` · {kind_text(row.kind)} · {state_text(row.state)}"
            f"{step} · started {format_time(row.started_at)}"
        )
    if listed.more:
        hint = f"/workflow list {listed.state or 'running'} order"
        lines.append(f"… and more; narrow it down, e.g. {hint}")
    what = " ".join(w for w in (listed.state, listed.kind) if w) or "all"
    if not lines:
        return Reply(f"No workflows ({what}).")
    return Reply(clip(f"*Workflows ({what}), newest first:*\n" + "\n".join(lines)))


USAGE = usage_line(f"list [{'|'.join(WORKFLOW_STATES)}] [{'|'.join(WORKFLOW_KINDS)}]")
VERB = reporting_verb("list", USAGE, parse, report, render)
