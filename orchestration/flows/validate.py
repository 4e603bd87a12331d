"""Checking a flow file before anything runs: every problem, each with its line and field.

The checks, all collected: YAML (syntax, size, duplicate keys), the schema (unknown step types
and fields), names and size, references, types, URLs against the allow-list, called flows
(missing ones, inputs, cycles), and the policy's verdict on each approval step. Line numbers
come from the YAML node tree (:mod:`orchestration.flows.yaml_tree`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import yaml
from yaml.nodes import Node

from orchestration.flows.check_calls import check_calls
from orchestration.flows.check_names import check_names
from orchestration.flows.check_policy import check_policy
from orchestration.flows.check_refs import check_references
from orchestration.flows.check_schema import check_schema
from orchestration.flows.check_types import check_types
from orchestration.flows.check_urls import check_urls
from orchestration.flows.load import FlowLibrary, FlowUnreadable, flow_files, read_source
from orchestration.flows.problems import (
    Finding,
    FlowContext,
    FlowInvalid,
    Problem,
    ValidatedFlow,
    field_path,
)
from orchestration.flows.urls import parse_allow_list
from orchestration.flows.yaml_tree import (
    compose,
    construct,
    locate,
    position,
    structural_problems,
    text_position,
    yaml_problem,
)
from orchestration.policy.file import Policy, load_policy

if TYPE_CHECKING:
    from orchestration.settings import Settings

__all__ = [
    "FlowContext",
    "FlowInvalid",
    "ValidatedFlow",
    "settings_context",
    "validate_directory",
    "validate_flow",
]


def settings_context(settings: Settings, policy: Policy | None = None) -> FlowContext:
    """What flows are checked against, from the settings: the flows directory, the
    allow-list, the policy file (``policy``, when the caller has read it already).

    Raises:
        PolicyError: The policy file cannot be used.
    """
    if policy is None:
        policy, _ = load_policy(settings.policy_file)
    return FlowContext(
        flows_dir=settings.flows_dir,
        http_allow=settings.effective_flow_http_allow,
        http_base=settings.effective_flow_http_base,
        policy=policy,
    )


def validate_flow(source: str, path: str, context: FlowContext) -> ValidatedFlow:
    """Check ``source`` (the text of the file at ``path``) against everything.

    Raises:
        FlowInvalid: With every problem found, in line order.
        UrlError: The context's allow-list has a bad entry.
    """
    root, errors = compose(source)
    if root is None:
        raise FlowInvalid([_unplaced(path, *error) for error in errors])
    duplicates, fatal = structural_problems(root)
    if fatal:
        raise FlowInvalid(_placed(path, root, duplicates + fatal))
    try:
        flow, findings = check_schema(construct(root))
    except yaml.YAMLError as err:
        raise FlowInvalid([_unplaced(path, *yaml_problem(err))]) from None
    findings = duplicates + findings
    if flow is not None:
        name = PurePath(path).stem
        library = None if context.flows_dir is None else FlowLibrary(context.flows_dir)
        findings += check_names(flow, name)
        findings += check_references(flow)
        findings += check_types(flow)
        findings += check_urls(flow, parse_allow_list(context.http_allow), context.http_base)
        findings += check_calls(flow, name, library)
        findings += check_policy(flow, context.policy)
    placed = _placed(path, root, findings)
    problems = [problem for problem in placed if not problem.warning]
    if problems or flow is None:
        raise FlowInvalid(problems)
    content_hash = hashlib.sha256(source.encode()).hexdigest()
    warnings = [problem for problem in placed if problem.warning]
    return ValidatedFlow(PurePath(path).stem, flow, content_hash, warnings)


def _unplaced(path: str, line: int, column: int | None, message: str) -> Problem:
    """A problem of the file as a whole (YAML that cannot be read): no field."""
    return Problem(path, line, column, "", message)


def _placed(path: str, root: Node, findings: list[Finding]) -> list[Problem]:
    """Findings with their line and column, in line order (each reported once)."""
    problems: dict[tuple[int, str, str], Problem] = {}
    for finding in findings:
        node = finding.node or locate(root, finding.loc, finding.at_key)
        line, column = position(node)
        message = finding.message
        if finding.text_column is not None:
            exact = text_position(node, finding.text_column)
            if exact is None:
                message += f" (column {finding.text_column} of the text)"
            else:
                line, column = exact
        problem = Problem(path, line, column, field_path(finding.loc), message, finding.warning)
        problems.setdefault((line, problem.field, problem.message), problem)
    return sorted(problems.values(), key=lambda problem: (problem.line, problem.column or 0))


def validate_directory(flows_dir: Path, context: FlowContext) -> dict[str, ValidatedFlow]:
    """Every flow file of ``flows_dir``, by name.

    Raises:
        FlowInvalid: With the problems of every invalid file.
    """
    valid: dict[str, ValidatedFlow] = {}
    problems: list[Problem] = []
    for file in flow_files(flows_dir):
        try:
            valid[file.stem] = validate_flow(read_source(file), str(file), context)
        except FlowUnreadable as err:
            problems.append(Problem(str(file), 1, None, "", str(err)))
        except FlowInvalid as err:
            problems += err.problems
    if problems:
        raise FlowInvalid(problems)
    return valid
