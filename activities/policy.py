"""The policy check as an activity: the file is read on every check, so edits apply to new
requests without a restart, and the decision (with the policy's version) lands in history."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestration.models.approval import ApprovalPolicy
from orchestration.models.flow import FlowStartersInput, FlowStartersResult
from orchestration.policy.file import Policy, PolicyError, load_policy
from orchestration.policy.flows import flow_starters
from orchestration.policy.match import PolicyDecision, PolicyRequest, decide


class PolicyEngine:
    """Evaluates requests against the policy file at ``path``; ``defaults`` says where
    requests from other workflows ask (channel, links, search attributes)."""

    def __init__(self, path: Path, defaults: ApprovalPolicy | None = None) -> None:
        self.path = path
        self.defaults = defaults or ApprovalPolicy()

    @activity.defn
    async def approval_defaults(self) -> ApprovalPolicy:
        """Where a ``RequestApproval`` asks: this worker's settings, recorded in history."""
        return self.defaults

    @activity.defn
    async def evaluate_policy(self, request: PolicyRequest) -> PolicyDecision:
        """Decide ``request``; a broken policy file fails the check, naming file and field."""
        policy, version = self._load()
        return decide(policy, version, request)

    @activity.defn
    async def flow_starters(self, request: FlowStartersInput) -> FlowStartersResult:
        """Who may start a flow, per the policy file's ``flows`` list (groups unexpanded)."""
        policy, version = self._load()
        return FlowStartersResult(
            starters=flow_starters(policy.flows, request.flow), policy_version=version
        )

    def _load(self) -> tuple[Policy, str]:
        try:
            return load_policy(self.path)
        except PolicyError as err:
            # Retried: fixing the file lets waiting requests go on.
            raise ApplicationError(str(err), type="PolicyError") from None
