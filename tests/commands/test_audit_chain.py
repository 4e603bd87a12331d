"""The audit export's hash chain: built, verified, and every kind of tampering detected, both
by the pure verifier and by ``chatops audit --verify`` (exit code and message)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from commands.audit.chain import GENESIS, line_hash, seal, verify
from orchestration.canonical import canonical_json, sha256_hex

pytestmark = pytest.mark.unit

EXPORTED = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def attempts(n: int = 3) -> list[dict[str, object]]:
    return [
        {"record": "attempt", "who": f"U{i}", "what": "approve", "why": f"reason é {i}"}
        for i in range(n)
    ]


def sealed(n: int = 3) -> list[str]:
    return seal(attempts(n), EXPORTED)


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_chain_is_built_as_documented() -> None:
    lines = [json.loads(text) for text in sealed(2)]
    assert [line["record"] for line in lines] == ["attempt", "attempt", "end"]
    assert lines[0]["prev_hash"] == GENESIS == "0" * 64
    for previous, line in itertools.pairwise(lines):
        assert line["prev_hash"] == previous["hash"]
    first = dict(lines[0])
    digest = first.pop("hash")
    expected = sha256_hex(json.dumps(first, sort_keys=True, separators=(",", ":")))
    assert digest == expected == line_hash(lines[0])
    assert lines[2]["attempts"] == 2
    assert lines[2]["exported_at"] == "2026-12-03T12:00:00+00:00"
    assert sealed(2)[0] == canonical_json(lines[0])  # each line is written canonically


def test_intact_export_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(sealed()) is None
    assert verify(seal([], EXPORTED)) is None
    path = write(tmp_path, sealed())
    assert main(["audit", "--verify", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: intact\n"


def edited(lines: list[str]) -> list[str]:
    line = json.loads(lines[1])
    line["what"] = "reject"
    return [lines[0], canonical_json(line), *lines[2:]]


def bad_hash(lines: list[str]) -> list[str]:
    line = json.loads(lines[1])
    line["hash"] = "f" * 64
    return [lines[0], json.dumps(line), *lines[2:]]


def rehashed_edit(lines: list[str]) -> list[str]:
    """An edit whose author recomputed that line's hash (but not the lines after it)."""
    line = json.loads(lines[1])
    line["who"] = "U999"
    line["hash"] = line_hash(line)
    return [lines[0], canonical_json(line), *lines[2:]]


@pytest.mark.parametrize(
    ("tamper", "number", "what"),
    [
        (edited, 2, "hash does not match the line's content: the line was edited"),
        (bad_hash, 2, "hash does not match the line's content: the line was edited"),
        (rehashed_edit, 3, "prev_hash does not match line 2's hash"),
        (lambda lines: [lines[0], *lines[2:]], 2, "prev_hash does not match line 1's hash"),
        (lambda lines: [lines[1], lines[0], *lines[2:]], 1, "not the start of a chain"),
        (lambda lines: [lines[0], lines[2], lines[1], lines[3]], 2, "prev_hash does not match"),
        (lambda lines: lines[1:], 1, "not the start of a chain"),
        (lambda lines: lines[:-1], 4, "the end line is missing: the file was cut short"),
        (lambda lines: [*lines[:-2], lines[-1]], 3, "prev_hash does not match line 2's hash"),
        (lambda lines: [*lines, lines[-1]], 5, "a line after the end line"),
        (lambda lines: [lines[0], "{not json", *lines[2:]], 2, "not JSON"),
        (lambda lines: [lines[0], "[1, 2]", *lines[2:]], 2, "not a JSON object"),
        (lambda lines: [lines[0], "{}", *lines[2:]], 2, "no valid hash"),
        (lambda lines: [], 1, "the end line is missing"),
    ],
    ids=[
        "edited",
        "bad-hash",
        "edited-and-rehashed",
        "removed",
        "swapped-first",
        "reordered",
        "first-removed",
        "end-removed",
        "last-attempt-removed",
        "line-after-end",
        "not-json",
        "not-object",
        "no-hash",
        "empty",
    ],
)
def test_tampering_is_detected_at_the_first_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: object, number: int, what: str
) -> None:
    lines = tamper(sealed())  # type: ignore[operator]
    problem = verify(lines)
    assert problem is not None
    assert problem.line == number
    assert what in problem.what
    path = write(tmp_path, lines) if lines else tmp_path / "empty.jsonl"
    if not lines:
        path.write_text("")
    assert main(["audit", "--verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: line {number}: ")
    assert what in err
    assert "Traceback" not in err


def test_end_line_counting_other_attempts_is_refused() -> None:
    lines = [json.loads(text) for text in sealed(2)]
    lines[2]["attempts"] = 5
    lines[2]["hash"] = line_hash(lines[2])
    problem = verify([canonical_json(line) for line in lines])
    assert problem is not None
    assert (problem.line, problem.what) == (3, "the end line says 5 attempt lines, the file has 2")


def test_unreadable_files_get_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert main(["audit", "--verify", str(missing)]) == 1
    assert capsys.readouterr().err == (f"error: cannot read {missing}: No such file or directory\n")
    assert main(["audit", "--verify", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"error: cannot read {tmp_path}: Is a directory\n"
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(sealed()[0].encode() + b"\n\xff\xfe\n")
    assert main(["audit", "--verify", str(binary)]) == 1
    assert capsys.readouterr().err == f"{binary}: line 2: not UTF-8 text\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit"], "audit takes a workflow id, --since PERIOD or --verify FILE"),
        (["audit", "wf-1", "--since", "7d"], "audit takes a workflow id"),
        (["audit", "--since", "7 days"], "--since takes a period such as 30m, 12h or 7d"),
        (["audit", "--since", "0m"], "--since must be more than 0s and at most"),
        (["audit", "--since", "400d"], "--since must be more than 0s and at most"),
        (["audit", "--verify", "f", "--output", "g"], "--output does not go with it"),
        (["audit", "order-<!channel>"], "'order-<!channel>' is not a workflow id."),
        (["audit", "x" * 300], "is not a workflow id"),
    ],
)
def test_bad_arguments_are_refused_with_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
