"""Recording workflow histories for the replay tests (tests/orchestration/test_replay.py).

With CHATOPS_RECORD_HISTORIES=1, the ``stack`` and ``desk`` fixtures save the histories of the
workflows a test finished under tests/histories/: for every test in tests/system, and for a
test elsewhere marked ``histories``. ``scripts/record-histories`` runs exactly those tests.

``tests/conftest.py`` imports the hook below, which registers it.
"""

from __future__ import annotations

import base64
import binascii
import glob
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

MARK = "histories"
TESTS = Path(__file__).resolve().parent
HISTORIES = TESTS / "histories"
# The checkout's root, left out of recorded histories (stack traces name files by it).
CHECKOUT = TESTS.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every system test records its histories: mark it so ``-m histories`` selects it."""
    for item in items:
        if item.path.is_relative_to(TESTS / "system"):
            item.add_marker(MARK)


def records(request: pytest.FixtureRequest) -> bool:
    """Whether this test's histories are to be saved now."""
    wanted = bool(os.environ.get("CHATOPS_RECORD_HISTORIES"))
    return wanted and request.node.get_closest_marker(MARK) is not None


def history_name(request: pytest.FixtureRequest, prefix: str = "") -> str:
    """The recorded files' name: the test's, without ``test_``."""
    return prefix + request.node.name.removeprefix("test_")


async def record_histories(
    handles: Sequence[WorkflowHandle[Any, Any]],
    name: str,
    directory: Path,
    scratch: Path | None = None,
) -> None:
    """Save the histories of finished workflows, replacing what this test recorded before.

    ``scratch`` (the test's temporary directory) and the checkout are left out of them:
    recorded files name no path of the machine that recorded them.
    """
    texts: dict[str, str] = {}
    for handle in handles:
        try:
            description = await handle.describe()
        except RPCError:
            continue  # e.g. a triage child of another priority: never started
        if description.close_time is None:
            continue
        history = await handle.fetch_history()
        # Child ids derive from the parent's id, so replay needs the real one: it is kept
        # in the file name, after the first dot.
        suffix = f".{handle.id}" if len(handles) > 1 else ""
        texts[f"{name}{suffix}.json"] = without_machine_paths(
            history.to_json(), [CHECKOUT, *([scratch] if scratch else [])]
        )
    if texts:  # nothing finished (a failed test): keep what was recorded before
        replace_recorded(directory, name, texts)


def replace_recorded(directory: Path, name: str, texts: dict[str, str]) -> None:
    """Write a test's histories in place of its earlier ones (ids are random in some tests:
    its earlier files would otherwise pile up)."""
    pattern = glob.escape(name)
    for old in [*directory.glob(f"{pattern}.json"), *directory.glob(f"{pattern}.*.json")]:
        old.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, text in texts.items():
        (directory / file_name).write_text(text + "\n")


def without_machine_paths(history_json: str, roots: Sequence[Path]) -> str:
    """The history with every ``root`` (and Python's own, which stack traces name) made
    relative, in plain text and inside payloads (base64-encoded JSON); raises if a root is
    still named after that."""
    cut = [(f"{root}/", "") for root in roots] + [(str(root), ".") for root in roots]
    # Python's own files and the virtualenv's (which may live outside the checkout).
    cut += [(f"{prefix}/", "") for prefix in {sys.prefix, sys.base_prefix}]

    def clean(text: str) -> str:
        for old, new in cut:
            text = text.replace(old, new)
        return text

    text = json.dumps(_map_texts(json.loads(history_json), clean), indent=2, ensure_ascii=False)
    left = [str(root) for root in roots if str(root) in decoded_text(text)]
    if left:
        raise ValueError(f"a recorded history still names {', '.join(left)}")
    return text


def decoded_text(history_json: str) -> str:
    """A recorded history's text, payloads decoded, for searching it."""
    parts: list[str] = []

    def keep(text: str) -> str:
        parts.append(text)
        return text

    _map_texts(json.loads(history_json), keep)
    return "\n".join(parts)


def _map_texts(value: Any, change: Callable[[str], str], key: str = "") -> Any:
    """``value`` (a history as JSON) with ``change`` applied to every string, payloads
    (``data``: base64 bytes) decoded first where they are text."""
    if isinstance(value, dict):
        return {k: _map_texts(v, change, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_texts(v, change) for v in value]
    if not isinstance(value, str):
        return value
    if key == "data":
        try:
            text = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return value
        changed = change(text)
        return value if changed == text else base64.b64encode(changed.encode()).decode()
    return change(value)
