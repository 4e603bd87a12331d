"""Helpers of the validator's tests: check a flow's text and read back its problems."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from orchestration.flows.problems import FlowContext, FlowInvalid, Problem
from orchestration.flows.validate import ValidatedFlow, validate_flow
from orchestration.policy.file import Policy

DEMO_ALLOW = ("http://127.0.0.1:3000/demo/",)


def flow_text(text: str) -> str:
    """``text`` dedented, its first line the file's line 1."""
    return textwrap.dedent(text).lstrip("\n")


def context(
    flows_dir: Path | None = None,
    policy: Policy | None = None,
    allow: tuple[str, ...] = DEMO_ALLOW,
    base: str | None = None,
) -> FlowContext:
    return FlowContext(flows_dir=flows_dir, http_allow=allow, policy=policy, http_base=base)


def valid(
    text: str,
    path: str = "flow.yml",
    flows_dir: Path | None = None,
    policy: Policy | None = None,
    allow: tuple[str, ...] = DEMO_ALLOW,
) -> ValidatedFlow:
    return validate_flow(flow_text(text), path, context(flows_dir, policy, allow))


def problems(text: str, **given: Any) -> list[Problem]:
    """Every problem of ``text`` (``given``: :func:`valid`'s keywords); none when it is valid."""
    try:
        valid(text, **given)
    except FlowInvalid as err:
        assert err.problems, "FlowInvalid without problems"
        return err.problems
    return []


def where(text: str, **given: Any) -> list[tuple[int, str]]:
    """(line, field) of every problem."""
    return [(p.line, p.field) for p in problems(text, **given)]


def only(text: str, **given: Any) -> Problem:
    """The one problem of ``text``."""
    found = problems(text, **given)
    assert len(found) == 1, [str(problem) for problem in found]
    return found[0]
