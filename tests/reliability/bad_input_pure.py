"""Bad input straight into the parsers and validators (fast, no server): slash-command text,
the decision modals' fields, policy files, order / ticket / task files, RequestApproval input.

Each must answer with its own clear error (a usage error, a field error, a PolicyError, a
CliError, an InvalidRequest) or take the input; anything else it raises is a crash. Input over
a limit must be refused with the limit in the message.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from temporalio.exceptions import ApplicationError

from bot.modals import MAX_INPUT_LENGTH, MAX_REASON_LENGTH, parse_edited_arguments, reason_problem
from cli.agent_tasks import pick_agent_task
from cli.errors import MAX_FILE_BYTES, CliError
from cli.examples import EXAMPLES
from cli.orders import pick_order
from cli.tickets import TICKET_EXAMPLES, pick_ticket
from commands.schedule import SCHEDULE
from commands.surface import MAX_COMMAND_CHARS, UsageError
from commands.workflow import WORKFLOW
from orchestration.ask import validated
from orchestration.models.request import MAX_ARGUMENTS_BYTES
from orchestration.policy.file import PolicyError, load_policy, parse_policy
from tests.helpers import REPO_POLICY
from tests.reliability.bad_input_results import Results, clear_text
from tests.reliability.bad_input_strategies import (
    DEPTHS,
    JSON_VALUE,
    PIECE,
    SLASH_TEXT,
    SMALL_VALUE,
    TEXT,
    deep_text,
    mutate,
)

SEED = 20261202


def examples(count: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``count`` examples, reproducible from :data:`SEED`, nothing saved between runs."""
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def slash_grammar(results: Results, count: int) -> None:
    """Any text after /workflow or /schedule, in Slack or a terminal."""

    @seed(SEED)
    @examples(count)
    @given(SLASH_TEXT, st.booleans(), st.booleans())
    def check(text: str, schedule: bool, terminal: bool) -> None:
        results.case("slash_grammar")
        surface = SCHEDULE if schedule else WORKFLOW
        limit = f"{MAX_COMMAND_CHARS:,}" if len(text) > MAX_COMMAND_CHARS else None
        try:
            surface.parse(text, terminal=terminal)
        except UsageError as err:
            if not clear_text(err.problem, limit):
                results.problem("unclear", "slash_grammar", f"{text[:80]!r}: {err.problem!r}")
            return
        except Exception as err:
            results.problem("crashes", "slash_grammar", f"{text[:80]!r}: {err!r}")
            return
        if limit:
            results.problem("over_limit_accepted", "slash_grammar", f"{len(text)} characters")

    check()


def modal_fields(results: Results, count: int) -> None:
    """What people type in the reject and edit modals."""
    deep = st.builds(deep_text, DEPTHS)

    @seed(SEED)
    @examples(count)
    @given(TEXT | deep | JSON_VALUE.map(json.dumps))
    def check(text: str) -> None:
        results.case("modal_fields")
        try:
            arguments = parse_edited_arguments(text)
            reason = reason_problem(text)
        except Exception as err:
            results.problem("crashes", "modal_fields", f"{text[:80]!r}: {err!r}")
            return
        over_arguments = len(text) > MAX_INPUT_LENGTH
        if isinstance(arguments, str) and not clear_text(
            arguments, str(MAX_INPUT_LENGTH) if over_arguments else None
        ):
            results.problem("unclear", "modal_fields", f"{text[:80]!r}: {arguments!r}")
        if over_arguments and not isinstance(arguments, str):
            results.problem("over_limit_accepted", "modal_fields", f"arguments of {len(text)}")
        if len(text) > MAX_REASON_LENGTH and not clear_text(reason or "", str(MAX_REASON_LENGTH)):
            results.problem("over_limit_accepted", "modal_fields", f"reason of {len(text)}")

    check()


def policy_documents() -> st.SearchStrategy[str]:
    """The repository's policy with parts replaced, any YAML, any text, deep nesting."""
    base = yaml.safe_load(REPO_POLICY.read_text())
    rule = mutate(base["rules"][1], SMALL_VALUE) | mutate(base["rules"][0], SMALL_VALUE)
    whole = st.builds(
        lambda r, o: {**base, "rules": r, "otherwise": o}, st.lists(rule, max_size=3), SMALL_VALUE
    )
    structured = (mutate(base, SMALL_VALUE) | whole).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True, default_flow_style=True)
    )
    deep = DEPTHS.map(lambda n: "rules: " + "[" * n + "]" * n)
    return structured | structured | PIECE | deep


def policy_files(results: Results, count: int) -> None:
    """Policy files as the worker reads them, from text and from bytes."""

    @seed(SEED)
    @examples(count)
    @given(policy_documents(), st.booleans(), st.binary(max_size=64))
    def check(text: str, as_bytes: bool, junk: bytes) -> None:
        results.case("policy_files")
        try:
            if as_bytes:
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "policy.yml"
                    path.write_bytes(junk + text.encode("utf-8", "surrogatepass"))
                    load_policy(path)
            else:
                parse_policy(text, "policy.yml")
        except PolicyError as err:
            if not clear_text(str(err)) or "policy.yml" not in str(err):
                results.problem("unclear", "policy_files", f"{text[:80]!r}: {err}")
        except Exception as err:
            results.problem("crashes", "policy_files", f"{text[:80]!r}: {err!r}")

    check()


REQUEST_FILES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "order": (
        lambda path: pick_order(None, path, None),
        {"order_id": "ORD-1", **EXAMPLES["large"], "customer": {"name": "A", "email": "a@b.co"}},
    ),
    "ticket": (
        lambda path: pick_ticket(None, path, None),
        {
            "ticket_id": "T-1",
            **TICKET_EXAMPLES["high"],
            "customer": {"name": "A", "email": "a@b.co"},
        },
    ),
    "agent task": (
        lambda path: pick_agent_task(None, path, None),
        {"task_id": "T-1", "agent": "ops-bot", "tool": "kubectl", "action": "scale"}
        | {"target": "prod-web", "arguments": {"replicas": 6}},
    ),
}


def file_contents(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """A request file: the example with parts replaced, any JSON, any bytes, deep nesting,
    or more than the limit."""
    structured = mutate(base).map(lambda v: json.dumps(v, ensure_ascii=False).encode())
    deep = DEPTHS.map(lambda n: deep_text(n).encode())
    huge = st.just(b" " * MAX_FILE_BYTES + b"{}")
    raw = st.binary(max_size=200) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    return st.one_of(structured, structured, structured, structured, deep, raw, raw, huge)


def request_files(results: Results, count: int) -> None:
    """``chatops start order|ticket|agent-task --file``: the file as the CLI reads it."""

    @seed(SEED)
    @examples(count)
    @given(st.sampled_from(sorted(REQUEST_FILES)).flatmap(_with_contents))
    def check(drawn: tuple[str, bytes]) -> None:
        noun, content = drawn
        results.case("request_files")
        pick, _ = REQUEST_FILES[noun]
        limit = f"{MAX_FILE_BYTES:,}" if len(content) > MAX_FILE_BYTES else None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "request.json"
            path.write_bytes(content)
            try:
                pick(path)
            except CliError as err:
                if not clear_text(str(err), limit) or str(path) not in str(err):
                    results.problem("unclear", "request_files", f"{noun} {content[:60]!r}: {err}")
                return
            except Exception as err:
                results.problem("crashes", "request_files", f"{noun} {content[:60]!r}: {err!r}")
                return
        if limit:
            results.problem("over_limit_accepted", "request_files", f"{noun} of {len(content)}")

    check()


def _with_contents(noun: str) -> st.SearchStrategy[tuple[str, bytes]]:
    return st.tuples(st.just(noun), file_contents(REQUEST_FILES[noun][1]))


REQUEST = {
    "kind": "deploy",
    "title": "Deploy api 2.3 to production",
    "fields": {"Service": "api", "Version": "2.3"},
    "attributes": {"env": "prod", "service": "api"},
    "requested_by": "U0123ABCD",
    "arguments": {"version": "2.3", "canary": True},
}


def request_approval_input(results: Results, count: int) -> None:
    """What any workflow sends RequestApproval (and the MCP tool and Nexus operation)."""

    @seed(SEED)
    @examples(count)
    @given(mutate(REQUEST))
    def check(raw: Any) -> None:
        results.case("request_approval_input")
        try:
            request = validated(raw)
        except ApplicationError as err:
            if err.type != "InvalidRequest" or not err.non_retryable or not clear_text(err.message):
                results.problem("unclear", "request_approval_input", f"{raw!r:.80}: {err!r}")
            return
        except Exception as err:
            results.problem("crashes", "request_approval_input", f"{raw!r:.80}: {err!r}")
            return
        size = len(json.dumps(request.arguments or {}, separators=(",", ":")).encode())
        if size > MAX_ARGUMENTS_BYTES:
            results.problem("over_limit_accepted", "request_approval_input", f"{size} bytes")

    check()


PURE: dict[str, tuple[Callable[[Results, int], None], int]] = {
    # family: (runner, share of the pure cases in percent)
    "slash_grammar": (slash_grammar, 25),
    "modal_fields": (modal_fields, 15),
    "policy_files": (policy_files, 20),
    "request_files": (request_files, 20),
    "request_approval_input": (request_approval_input, 20),
}
