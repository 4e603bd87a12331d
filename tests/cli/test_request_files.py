"""Request files as ``chatops start`` reads them: every problem is one clear error naming the
file, before anything reaches Temporal.

Before, a file that was not UTF-8 or nested too deeply ended the command with a trace
(UnicodeDecodeError, RecursionError), and one larger than Temporal's 2 MB payload limit was
read, checked and sent, to be refused by the server.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.agent_tasks import pick_agent_task
from cli.errors import MAX_FILE_BYTES, CliError, load_json_model
from orchestration.models.order import Order

pytestmark = pytest.mark.unit
TASK = {"task_id": "T-1", "agent": "ops-bot", "tool": "kubectl", "action": "scale"}
TASK |= {"target": "prod-web"}


def refusal(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    with pytest.raises(CliError) as raised:
        load_json_model(path, Order, "order")
    return str(raised.value)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    assert refusal(path, b" " * MAX_FILE_BYTES + b"{}") == (
        f"{path} is 1,048,578 bytes; files may be at most 1,048,576 bytes "
        "(1 MiB: Temporal takes at most 2 MB per request)"
    )


def test_a_file_in_another_encoding_is_refused_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    assert refusal(path, b'{"order_id": "caf\xe9"}') == (
        f"{path} is not UTF-8 text (at byte offset 17); save it as UTF-8"
    )


def test_json_nested_too_deeply_to_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "order.json"
    assert refusal(path, b"[" * 100_000) == f"{path} is not valid JSON: nested too deeply to read"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"blob": "x" * 8000}, "arguments: at most 8000 bytes as compact JSON"),
        ({"a": [[[[[[[[1]]]]]]]]}, "arguments: nested at most 8 levels deep"),
    ],
)
def test_an_agent_tasks_arguments_are_bounded_as_requests_are(
    tmp_path: Path, arguments: dict[str, object], problem: str
) -> None:
    """Arguments nested a few hundred deep passed the check, then failed the start (the data
    converter's depth limit): a trace from the CLI, a 500 from the webhook."""
    path = tmp_path / "task.json"
    path.write_text(json.dumps(TASK | {"arguments": arguments}))
    with pytest.raises(CliError) as raised:
        pick_agent_task(None, path, None)
    assert problem in str(raised.value)
    path.write_text(json.dumps(TASK | {"arguments": {"replicas": 6}}))
    assert pick_agent_task(None, path, None).arguments == {"replicas": 6}
