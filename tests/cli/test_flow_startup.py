"""A worker, or ``chatops up``, refuses to start while a flow in CHATOPS_FLOWS_DIR does not
validate, naming every problem; ``chatops flow list`` shows the flows. Each runs as a process
of its own, as a user runs it; no Temporal server is reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.processes import isolated_env
from cli.errors import CliError
from cli.startup_checks import check_flows
from orchestration.settings import Settings
from tests.cli.test_flow_validate import BAD, ROOT

UNKNOWN_STEP = "steps[1].notify.text: unknown step 'nothing'"


def chatops(*args: str, flows_dir: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env, _ = isolated_env()  # free ports: chatops up checks its ports before the flows
    env.update(
        TEMPORAL_ADDRESS="127.0.0.1:9",  # nothing listens: refused before connecting
        CHATOPS_FLOWS_DIR=str(flows_dir),
        CHATOPS_FLOW_HTTP_BASE="http://127.0.0.1:3000",  # the bot as the flows call it
        CHATOPS_DATA_DIR=str(data_dir),
        CHATOPS_POLICY_FILE=str(ROOT / "policy.yml"),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def bad_flows(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "bad.yml").write_text(BAD)
    (flows / "refund.yml").write_text((ROOT / "flows" / "refund.yml").read_text())
    return flows


@pytest.mark.parametrize("command", ["worker", "up"])
def test_an_invalid_flow_stops_start_up_naming_every_problem(
    command: str, bad_flows: Path, tmp_path: Path
) -> None:
    done = chatops(command, flows_dir=bad_flows, data_dir=tmp_path / "data")
    assert done.returncode == 1, done.stdout + done.stderr
    bad = bad_flows / "bad.yml"
    assert done.stderr.splitlines() == [
        f"error: the flows in {bad_flows} (CHATOPS_FLOWS_DIR) are not valid:",
        f"{bad}:3:30: steps[0].http.url: http://example.com:80/x is outside the allow-list "
        "(CHATOPS_FLOW_HTTP_ALLOW allows http://127.0.0.1:3000/demo/)",
        f"{bad}:5:38: {UNKNOWN_STEP}",
        "fix them (chatops flow validate FILE checks one) and start again",
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.unit
def test_no_flows_directory_means_no_flows(tmp_path: Path) -> None:
    settings = Settings(flows_dir=tmp_path / "none", policy_file=ROOT / "policy.yml")
    check_flows(settings)  # nothing to refuse
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "bad.yml").write_text(BAD)
    with pytest.raises(CliError, match="unknown step 'nothing'"):
        check_flows(settings)


def test_flow_list_shows_each_flow_and_which_are_invalid(bad_flows: Path, tmp_path: Path) -> None:
    done = chatops("flow", "list", flows_dir=bad_flows, data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Flows (2):"
    assert lines[1].startswith("• bad: not valid, so it cannot start (bad.yml:3:30: steps[0]")
    assert lines[2] == (
        "• refund: Refund an order; above 5000 finance approves first. (you may start it)"
    )
    assert "    ◦ amount number, required: How much to refund" in lines
