"""Writes docs/RELIABILITY.md from the tallies the reliability scenarios recorded.

    .venv/bin/python -m tests.reliability.report [--out DIR] [--doc docs/RELIABILITY.md]

``scripts/reliability`` runs the scenarios and then this.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from tests.reliability.tally import DEFAULT_OUT, MUST_BE_ZERO

DOC = Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md"
INTRO = Path(__file__).with_name("intro.md")
ORDER = (
    "crashes",
    "replicas_http",
    "replicas_socket",
    "races",
    "slack_faults",
    "forgery",
    "bad_input",
    "determinism",
)


def table(tallies: list[dict[str, object]]) -> str:
    """One row per scenario: its sizes, then the counts that must be zero."""
    lines = [
        "| scenario | scale | tried | " + " | ".join(MUST_BE_ZERO) + " | seconds |",
        "|---|---|---|" + "---|" * len(MUST_BE_ZERO) + "---|",
    ]
    for tally in tallies:
        counts = dict(tally["counts"])  # type: ignore[call-overload]
        sizes = ", ".join(
            f"{name.replace('_', ' ')} {value:,}"
            for name, value in sorted(counts.items())
            if name not in MUST_BE_ZERO
        )
        zeros = " | ".join(str(counts.get(name, 0)) for name in MUST_BE_ZERO)
        lines.append(
            f"| {tally['scenario']} | {tally['scale']} | {sizes} | {zeros} | {tally['seconds']} |"
        )
    return "\n".join(lines)


def notes(tallies: list[dict[str, object]]) -> str:
    """Each scenario's notes, under its title."""
    parts = []
    for tally in tallies:
        parts.append(f"### {tally['scenario']}: {tally['title']}\n")
        parts.append(f"{tally['description']}\n")
        parts.extend(f"- {note}" for note in tally["notes"])  # type: ignore[attr-defined]
        parts.append("")
    return "\n".join(parts)


def load(out: Path) -> list[dict[str, object]]:
    """The recorded tallies, in the report's order (unknown scenarios last, by name)."""
    found = {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}
    ordered = [name for name in ORDER if name in found]
    ordered += sorted(name for name in found if name not in ORDER)
    return [found[name] for name in ordered]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="recorded tallies")
    parser.add_argument("--doc", type=Path, default=DOC, help="the report to write")
    args = parser.parse_args(argv)
    tallies = load(args.out)
    if not tallies:
        print(f"no tallies in {args.out}: run scripts/reliability first", file=sys.stderr)
        return 1
    when = time.strftime(
        "%Y-%m-%d", time.localtime(max(p.stat().st_mtime for p in args.out.glob("*.json")))
    )
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    measured = f"\n## Measured\n\nRun on {when}; {machine}; everything on loopback.\n\n"
    text = INTRO.read_text() + measured + table(tallies) + "\n\n" + notes(tallies)
    args.doc.write_text(text.rstrip() + "\n")
    print(f"wrote {args.doc} from {len(tallies)} scenario(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
