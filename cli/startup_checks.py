"""Settings each long-running command refuses before it opens a port or starts a child: one
line saying what is wrong and what to do."""

from __future__ import annotations

from cli.errors import CliError
from orchestration.flows.problems import FlowInvalid, printable
from orchestration.flows.validate import settings_context, validate_directory
from orchestration.policy.file import PolicyError, load_policy
from orchestration.settings import Settings
from orchestration.slack_trust import bot_problem, slack_api_problem


def check_bot_settings(settings: Settings) -> None:
    """Refuse to run a bot that Slack could not talk to, or that someone else could talk to
    as Slack (see :mod:`orchestration.slack_trust`), before opening any port."""
    problem = bot_problem(settings)
    if problem is not None:
        raise CliError(problem)


def check_worker_settings(settings: Settings) -> None:
    """Refuse to send a bot token where it does not belong."""
    problem = slack_api_problem(settings)
    if problem is not None:
        raise CliError(problem)


def standin_secrets(settings: Settings) -> tuple[str, str]:
    """The bot token and signing secret the stand-in runs with; refused with a workspace,
    whose credentials must never sign requests anyone on this machine can ask for."""
    secret = settings.signing_secret()
    if settings.uses_real_slack or secret is None:
        raise CliError(
            "SLACK_BOT_TOKEN is set: the stand-in is for running without a Slack workspace; "
            "unset SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET) to use it"
        )
    return settings.bot_token(), secret


def check_policy_file(settings: Settings) -> None:
    """Refuse to run a worker whose policy file is missing or invalid (file, field, reason)."""
    try:
        load_policy(settings.policy_file)
    except PolicyError as err:
        raise CliError(
            f"{err}\nfix the policy file (CHATOPS_POLICY_FILE) and start again"
        ) from None


def check_flows(settings: Settings) -> None:
    """Refuse to start with a flow file in CHATOPS_FLOWS_DIR that does not validate: every
    problem on a line of its own (``FILE:LINE:COL: field: message``, as ``chatops flow
    validate`` prints it). No flows directory means no flows. Run after
    :func:`check_policy_file`: approval steps are checked against the policy."""
    if not settings.flows_dir.is_dir():
        return
    try:
        validate_directory(settings.flows_dir, settings_context(settings))
    except FlowInvalid as err:
        lines = [str(problem) for problem in err.problems]
        where = printable(str(settings.flows_dir))
        raise CliError(
            f"the flows in {where} (CHATOPS_FLOWS_DIR) are not valid:\n"
            + "\n".join(lines)
            + "\nfix them (chatops flow validate FILE checks one) and start again"
        ) from None
