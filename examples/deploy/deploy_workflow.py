"""A deploy gated by a human: another team's workflow asking chatops before it rolls out.

It runs on its own worker and task queue, with Temporal's default data converter and the
sandboxed workflow runner; :func:`orchestration.ask.request_approval` starts chatops'
``RequestApproval`` as a child and returns its answer. What the policy file says about
``kind: deploy`` decides whether a card is posted (production), the deploy goes ahead
(staging) or is refused (``legacy-*`` services).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from orchestration.ask import DEFAULT_TASK_QUEUE, RequestOutcome, request_approval

with workflow.unsafe.imports_passed_through():
    from deploy_activities import RollOut, roll_out

ROLL_OUT_TIMEOUT = timedelta(minutes=5)
ROLL_OUT_RETRY = RetryPolicy(maximum_attempts=3)


@dataclass
class DeployInput:
    """What to deploy where, who asks, and where chatops' worker listens."""

    service: str
    version: str
    env: str
    canary: bool = False
    requested_by: str | None = None
    chatops_task_queue: str = DEFAULT_TASK_QUEUE


@dataclass
class DeployResult:
    """How the deploy ended."""

    deployed: bool
    outcome: str  # approved | rejected | expired | denied
    summary: str
    approved_by: list[str] = field(default_factory=list)
    policy_rule: str = ""


@workflow.defn(name="Deploy")
class DeployWorkflow:
    """Ask for approval; roll out what was approved (approvers may edit version and canary)."""

    @workflow.run
    async def run(self, deploy: DeployInput) -> DeployResult:
        answer = await request_approval(
            kind="deploy",
            title=f"Deploy {deploy.service} {deploy.version} to {deploy.env}",
            fields={"Service": deploy.service, "Version": deploy.version, "Env": deploy.env},
            attributes={"env": deploy.env, "service": deploy.service},
            requested_by=deploy.requested_by,
            arguments={"version": deploy.version, "canary": deploy.canary},
            task_queue=deploy.chatops_task_queue,
        )
        if answer.outcome is not RequestOutcome.APPROVED:
            why = f": {answer.reason}" if answer.reason else ""
            return DeployResult(
                deployed=False,
                outcome=answer.outcome.value,
                summary=f"not deployed{why}",
                policy_rule=answer.policy_rule,
            )
        approved = answer.arguments or {}
        rollout = RollOut(
            service=deploy.service,
            version=str(approved.get("version", deploy.version)),
            env=deploy.env,
            canary=approved.get("canary", deploy.canary) is True,
        )
        summary = await workflow.execute_activity(
            roll_out,
            rollout,
            start_to_close_timeout=ROLL_OUT_TIMEOUT,
            retry_policy=ROLL_OUT_RETRY,
        )
        return DeployResult(
            deployed=True,
            outcome=answer.outcome.value,
            summary=summary,
            approved_by=answer.approved_by,
            policy_rule=answer.policy_rule,
        )
