"""Models of a policy-gated AI-agent task."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from orchestration.models.approval import ApprovalPolicy, ApprovalState
from orchestration.policy import PolicyDecision, PolicyRequest

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
