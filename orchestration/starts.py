"""Starting workflows from outside Slack: the CLI and the bot's webhook share these.

New requests get their approval settings from :class:`Settings` at start time; the workflow
id is the business key, so starting the same request twice never runs it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from orchestration import search_attributes as sa
from orchestration.client import uses_embedded_server
from orchestration.decisions import TemporalUnreachable
from orchestration.models.agent import AgentTask, AgentTaskInput
from orchestration.models.approval import ApprovalPolicy
from orchestration.settings import Settings
from orchestration.workflows.agent_task import AgentTaskWorkflow


@dataclass(frozen=True)
class StartedTask:
    """The outcome of a start: the workflow id, and whether it existed already."""

    workflow_id: str
    already_started: bool = False


def ui_url(settings: Settings) -> str | None:
    """Where people can look at workflows: configured, or the embedded server's UI."""
    if settings.temporal_ui_url:
        return settings.temporal_ui_url
    if uses_embedded_server(settings):
        return f"http://127.0.0.1:{settings.temporal_ui_port}"
    return None


def approval_policy(settings: Settings, ui_url: str | None) -> ApprovalPolicy:
    """Where new requests ask (channel, links, search attributes); who decides, how many
    and by when come from the policy file when the workflow checks it."""
    return ApprovalPolicy(
        channel=settings.approvals_channel,
        temporal_ui_url=ui_url,
        search_attributes=settings.search_attributes,
    )


def kind_attributes(settings: Settings, kind: str) -> TypedSearchAttributes:
    """The ``ChatopsKind`` search attribute, unless search attributes are turned off."""
    if not settings.search_attributes:
        return TypedSearchAttributes.empty
    return TypedSearchAttributes([SearchAttributePair(sa.KIND, kind)])


def requester_in_force(settings: Settings, requested_by: str | None) -> str | None:
    """The requester as given; without one and without Slack, the stand-in's requester."""
    stand_in = settings.stand_in
    if requested_by is None and not settings.uses_real_slack and stand_in is not None:
        return stand_in.requester
    return requested_by


async def start_request(
    client: Client,
    settings: Settings,
    run: Callable[..., Awaitable[Any]],
    input: BaseModel,
    *,
    workflow_id: str,
    kind: str,
    noun: str,
) -> StartedTask:
    """Start a chatops workflow under its business key; an id already used is reported
    (``already_started``), never run twice.

    Raises:
        TemporalUnreachable: Temporal did not answer; nothing was started.
    """
    try:
        handle = await client.start_workflow(
            run,
            input,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=kind_attributes(settings, kind),
        )
    except WorkflowAlreadyStartedError:
        return StartedTask(workflow_id, already_started=True)
    except RPCError as err:
        raise TemporalUnreachable(
            f"could not reach Temporal ({err.status.name}); the {noun} was not started"
        ) from None
    return StartedTask(handle.id)


async def start_agent_task(
    client: Client,
    settings: Settings,
    task: AgentTask,
    *,
    ui_url: str | None,
    requester_label: str,
) -> StartedTask:
    """Start an AgentTaskWorkflow for ``task``; a task id already used is reported, not rerun.

    Raises:
        TemporalUnreachable: Temporal did not answer; nothing was started.
    """
    task = task.model_copy(update={"requested_by": requester_in_force(settings, task.requested_by)})
    return await start_request(
        client,
        settings,
        AgentTaskWorkflow.run,
        AgentTaskInput(
            task=task, approval=approval_policy(settings, ui_url), requester_label=requester_label
        ),
        workflow_id=task.workflow_id,
        kind="agent_task",
        noun="agent task",
    )
