"""What the policy file here says will happen to a request, told before it starts.

The worker decides with its own read of the file when the request gets there; this is the
preview a person at the terminal gets, and a broken file stops the start.
"""

from __future__ import annotations

from cli.errors import CliError
from orchestration.policy.file import PolicyError, load_policy
from orchestration.policy.match import Effect, PolicyDecision, PolicyRequest, decide
from orchestration.settings import Settings


def policy_decision(settings: Settings, request: PolicyRequest) -> PolicyDecision:
    """The decision the policy file would make now.

    Raises:
        CliError: the file cannot be read or is invalid (file, field and reason).
    """
    try:
        policy, version = load_policy(settings.policy_file)
    except PolicyError as err:
        raise CliError(
            f"{err}\nnothing was started; fix the policy file (CHATOPS_POLICY_FILE) and try again"
        ) from None
    return decide(policy, version, request)


def policy_outlook(settings: Settings, request: PolicyRequest, runs: str) -> str:
    """One sentence: allowed (and then ``runs``), denied with the reason, or who must approve."""
    decision = policy_decision(settings, request)
    if decision.effect is Effect.DENY:
        return f"denied by rule {decision.rule}: {decision.reason}"
    if decision.effect is Effect.ALLOW:
        return f"allowed by rule {decision.rule}; {runs}"
    assert decision.approval is not None
    channel = settings.approvals_channel.lstrip("#")
    return (
        f"needs {decision.approval.approvals} approval(s) (rule {decision.rule}, policy "
        f"version {decision.version}): a card is on its way to #{channel}"
    )
