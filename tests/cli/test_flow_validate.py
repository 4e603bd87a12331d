"""``chatops flow validate`` as a user runs it: a process of its own, no Temporal server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BAD = """\
steps:
  - name: call
    http: {method: GET, url: "http://example.com/x"}
  - name: tell
    notify: {channel: ops, text: "{{ steps.nothing.status }}"}
"""


def chatops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CHATOPS_", "SLACK_", "TEMPORAL_"))
    }
    # An address nothing listens on: the command must not need it.
    env["TEMPORAL_ADDRESS"] = "127.0.0.1:9"
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "flow", "validate", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_shipped_flows_are_valid() -> None:
    done = chatops("flows/refund.yml", "flows/production-change.yml", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "flows/refund.yml: valid (4 steps)",
        "flows/production-change.yml: valid (4 steps)",
    ]


def test_an_invalid_flow_gets_one_line_per_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BAD)
    done = chatops("bad.yml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "bad.yml:3:30: steps[0].http.url: http://example.com:80/x is outside the allow-list "
        "(CHATOPS_FLOW_HTTP_ALLOW allows http://127.0.0.1:3000/demo/)",
        "bad.yml:5:38: steps[1].notify.text: unknown step 'nothing'",
    ]


def test_usage_mistakes_exit_2(tmp_path: Path) -> None:
    done = chatops(cwd=tmp_path)
    assert done.returncode == 2
    assert "the following arguments are required: FILE" in done.stderr
