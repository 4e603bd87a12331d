"""What the validator reports: problems with their file, line, column and field, and what it
returns for a valid flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.flows.models import FlowFile, all_steps
from orchestration.policy.file import Policy

Loc = tuple[str | int, ...]


def field_path(loc: Loc) -> str:
    """``steps[2].approval.title``: a field's place in the file."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def printable(text: str) -> str:
    """``text`` with control characters shown escaped, so a message cannot rewrite a terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


@dataclass(frozen=True)
class Problem:
    """One mistake (or, as a warning, one surprise) in a flow file."""

    file: str
    line: int
    column: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        field = f" {self.field}:" if self.field else ""
        kind = " warning:" if self.warning else ""
        return printable(f"{place}:{field}{kind} {self.message}")


@dataclass(frozen=True)
class Finding:
    """A problem found by a check, before the validator looks up its line.

    Attributes:
        loc: The field's path (``("steps", 2, "approval", "title")``).
        message: What is wrong.
        warning: A surprise rather than a mistake; the flow is still valid.
        node: The YAML node, when the check already has it.
        at_key: Point at the mapping key rather than its value (e.g. an unknown field).
        text_column: 1-based column inside the field's text (an expression's mistake).
    """

    loc: Loc
    message: str
    warning: bool = False
    node: Any = None
    at_key: bool = False
    text_column: int | None = None


class FlowInvalid(ValueError):
    """A flow file with at least one problem; :attr:`problems` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class FlowContext:
    """What a flow is checked against besides itself.

    Attributes:
        flows_dir: Where ``call_flow`` finds other flows (``<name>.yml``); None: no flow may
            be called.
        http_allow: URL prefixes ``http`` steps may reach.
        http_base: What a URL that is only a path (``/demo/refunds``) is resolved against.
        policy: The policy (and its version) approval steps are matched against; None skips.
    """

    flows_dir: Path | None = None
    http_allow: tuple[str, ...] = ()
    http_base: str | None = None
    policy: Policy | None = None


@dataclass(frozen=True)
class ValidatedFlow:
    """A flow that passed every check."""

    name: str
    flow: FlowFile
    content_hash: str
    warnings: list[Problem] = field(default_factory=list)

    @property
    def step_count(self) -> int:
        """Every step, nested and ``on_failure`` ones included."""
        return sum(1 for _ in all_steps(self.flow))
