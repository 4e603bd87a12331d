"""Models of a policy-gated AI-agent task."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from orchestration.models.approval import ApprovalPolicy, ApprovalState
from orchestration.models.request import Arguments
from orchestration.names import NAME, NAME_RULE, TARGET, TARGET_RULE, character_set
from orchestration.policy.match import PolicyDecision, PolicyRequest

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,39}$")]


class AgentTask(BaseModel):
    """What an agent wants to do: which tool, which action, on what, with which arguments."""

    task_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    agent: Name
    tool: Name
    action: Name
    target: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    input: Annotated[str, StringConstraints(max_length=2000)] = ""
    arguments: dict[str, Any] = Field(default_factory=dict)
    requested_by: str | None = None

    @property
    def workflow_id(self) -> str:
        """The task's workflow id: a business key."""
        return f"agent-task-{self.task_id}"

    def policy_request(self) -> PolicyRequest:
        """What the policy file looks at: tool, action, target and input."""
        return PolicyRequest(
            kind="agent_task",
            tool=self.tool,
            action=self.action,
            target=self.target,
            input=self.input,
        )


def _trimmed(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _lowered(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


EntryName = Annotated[str, BeforeValidator(_lowered), character_set(NAME, NAME_RULE)]
EntryTarget = Annotated[str, BeforeValidator(_trimmed), character_set(TARGET, TARGET_RULE)]


class NewAgentTask(AgentTask):
    """An agent task as it enters chatops: a task file, the webhook, the CLI's examples.

    Names are trimmed and lower-cased, the target trimmed, and both held to the character
    sets of :mod:`orchestration.names`. Only new tasks are checked this strictly: tasks in
    recorded histories are read back as :class:`AgentTask`, as lenient as when they started.
    """

    agent: EntryName
    tool: EntryName
    action: EntryName
    target: EntryTarget
    # Bounded as RequestApproval's: deeper than Temporal's converter writes, or larger than a
    # card and its memo should carry, is refused here rather than failing the start.
    arguments: Arguments = Field(default_factory=dict)


class AgentTaskInput(BaseModel):
    """Input of ``AgentTaskWorkflow``: the task and where approvals happen."""

    task: AgentTask
    approval: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    requester_label: str = "chatops"


class AgentTaskOutcome(StrEnum):
    """How a task ended."""

    COMPLETED = "completed"
    DENIED = "denied"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class RunAgentInput(BaseModel):
    """Run the agent's task (long: heartbeats, cancellable)."""

    task: AgentTask


class RunAgentResult(BaseModel):
    """What the agent did."""

    summary: str


class AgentFeedbackInput(BaseModel):
    """A rejection's feedback, handed to the agent."""

    task: AgentTask
    feedback: str


class AgentTaskResult(BaseModel):
    """How a task ended, with the policy decision behind it."""

    task_id: str
    outcome: AgentTaskOutcome
    message: str
    decision: PolicyDecision
    approval: ApprovalState | None = None
