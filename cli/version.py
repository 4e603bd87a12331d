"""``chatops --version``: the installed distribution's version, from its metadata
(https://docs.python.org/3/library/importlib.metadata.html)."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "chatops"
UNKNOWN = "unknown"


def chatops_version() -> str:
    """The installed version; run from a source tree that was never installed, the version
    its ``pyproject.toml`` declares; else ``unknown``."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return source_version(Path(__file__).resolve().parents[1] / "pyproject.toml")


def source_version(pyproject: Path) -> str:
    """The version a ``pyproject.toml`` declares, or ``unknown``."""
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return UNKNOWN
    version = project.get("version") if isinstance(project, dict) else None
    return version if isinstance(version, str) and version else UNKNOWN
