"""Reading flow files: the one module of the package that touches the disk.

:class:`FlowLibrary` reads the flows a ``call_flow`` names (each once); a flow that cannot be
read or does not fit the schema is reported as such, and the caller is told to validate it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.flows.check_schema import check_schema
from orchestration.flows.models import FlowFile
from orchestration.flows.yaml_tree import MAX_BYTES, compose, construct, structural_problems

SUFFIX = ".yml"
MAX_FLOWS = 500


class FlowUnreadable(ValueError):
    """A flow file that cannot be read as text."""


def read_source(path: Path) -> str:
    """The text of a flow file (UTF-8, at most the size limit).

    Raises:
        FlowUnreadable: Missing, unreadable, too large or not UTF-8.
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as err:
        raise FlowUnreadable(f"cannot read: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise FlowUnreadable(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FlowUnreadable(f"not UTF-8 text (at byte offset {err.start})") from None


def flow_path(flows_dir: Path, name: str) -> Path:
    """Where the flow ``name`` lives."""
    return flows_dir / f"{name}{SUFFIX}"


def flow_files(flows_dir: Path) -> list[Path]:
    """The flow files of a directory, by name (at most :data:`MAX_FLOWS`)."""
    return sorted(flows_dir.glob(f"*{SUFFIX}"))[:MAX_FLOWS]


class FlowLibrary:
    """The flows of one directory, read when first asked for."""

    def __init__(self, flows_dir: Path) -> None:
        self.flows_dir = flows_dir
        self._read: dict[str, FlowFile | str] = {}

    def get(self, name: str) -> FlowFile | str:
        """The flow named ``name``, or why it cannot be had."""
        if name not in self._read:
            self._read[name] = self._load(name)
        return self._read[name]

    def _load(self, name: str) -> FlowFile | str:
        path = flow_path(self.flows_dir, name)
        if not path.is_file():
            return f"no flow {name!r} ({path} does not exist)"
        try:
            root, _ = compose(read_source(path))
        except FlowUnreadable as err:
            return f"flow {name!r} cannot be read: {err}"
        if root is None or any(structural_problems(root)):
            return f"flow {name!r} is not valid YAML; run chatops flow validate {path}"
        try:
            flow, _ = check_schema(construct(root))
        except yaml.YAMLError:
            flow = None
        if flow is None:
            return f"flow {name!r} is not valid; run chatops flow validate {path}"
        return flow
