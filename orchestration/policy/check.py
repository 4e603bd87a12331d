"""Workflow side of the policy file: one activity call, recorded in history and memo.

The decision (effect, rule, policy version) is an activity result, so a replay sees the
decision the request started with even after the file changed.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.policy import PolicyEngine
    from orchestration.policy.match import PolicyDecision, PolicyRequest

# Orders and tickets that started before they consulted the policy file replay without it.
POLICY_FILE_PATCH = "policy-file"
POLICY_MEMO_KEY = "policy"
CHECK_TIMEOUT = timedelta(seconds=30)
# A broken policy file fails the check until someone fixes it; then the request goes on.
CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


async def check_policy(request: PolicyRequest) -> PolicyDecision:
    """Decide ``request`` by the policy file, and keep the decision in memo."""
    decision = await workflow.execute_activity_method(
        PolicyEngine.evaluate_policy,
        request,
        start_to_close_timeout=CHECK_TIMEOUT,
        retry_policy=CHECK_RETRY,
    )
    workflow.upsert_memo({POLICY_MEMO_KEY: decision.model_dump(mode="json")})
    return decision
