"""Measure chatops: every scenario on both configurations, then write the raw samples and
summaries (docs/performance/results.json), the latency plot (docs/performance/latency.png)
and the report (docs/PERFORMANCE.md).

    scripts/benchmark                   # the full scale (tens of minutes)
    scripts/benchmark --quick           # a smaller scale to try it (about 20 minutes)
    scripts/benchmark --only lists      # one scenario; the other results are kept
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.scale import FULL, QUICK, Scale, adjusted, sizes
from benchmarks.scenarios import startup
from benchmarks.stacks import CONFIGURATIONS, UP, running_stack

SCENARIOS = report.SCENARIOS
# Cheap scenarios first: a run cut short still has most of the table.
ORDER = ("startup", "lists", "click_card", "throughput", "ack_burst", "memory")
log = logging.getLogger("benchmarks")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Scenarios: " + ", ".join(SCENARIOS) + ". docs/PERFORMANCE.md says what each does.",
    )
    parser.add_argument("--quick", action="store_true", help="a smaller scale (about 20 minutes)")
    parser.add_argument(
        "--only", action="append", choices=list(SCENARIOS), metavar="SCENARIO",
        help="run only this scenario (repeatable); results of the others are kept",
    )  # fmt: skip
    parser.add_argument("--configuration", choices=CONFIGURATIONS, help="run only this one")
    parser.add_argument("--list-sizes", type=sizes, help="lists: requests waiting, e.g. 200,10000")
    parser.add_argument("--memory-sizes", type=sizes, help="memory: orders waiting, e.g. 100,10000")
    parser.add_argument("--ack-seconds", type=float, help="ack_burst: how long the burst lasts")
    parser.add_argument(
        "--out", type=Path, default=report.OUT, help="where results.json and latency.png go"
    )
    parser.add_argument("--doc", type=Path, default=report.DOC, help="the report to write")
    return parser.parse_args(argv)


async def one(name: str, configuration: str, scale: Scale) -> dict[str, Any]:
    """Run one scenario on a fresh stack of ``configuration``; its result, or its failure."""
    module = SCENARIOS[name]
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="chatops-bench-") as folder:
        try:
            if module is startup:
                result = await startup.measure(scale, Path(folder))
            else:
                async with running_stack(configuration, Path(folder)) as stack:
                    result = await module.measure(stack, scale)
        except Exception as failure:  # one failed scenario must not lose the others
            log.exception("%s on %s failed", name, configuration)
            lines = traceback.format_exception(failure)
            result = {"error": f"{type(failure).__name__}: {failure}", "trace": lines[-6:]}
    result.update(
        scale=scale.to_json(),
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_seconds=time.perf_counter() - started,
        # The machine's 1-minute load average: other work on it shows here.
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    base = QUICK if args.quick else FULL
    scale = adjusted(
        base,
        list_sizes=args.list_sizes,
        memory_sizes=args.memory_sizes,
        ack_seconds=args.ack_seconds,
    )
    results = report.load(args.out) if args.only else {}
    results.update(machine=report.machine(), scale=scale.to_json())
    scenarios = results.setdefault("scenarios", {})
    started = time.perf_counter()
    task = stop_on_interrupt()
    runs = [
        (name, configuration)
        for name in ORDER
        if not args.only or name in args.only
        for configuration in ((UP,) if name == startup.NAME else CONFIGURATIONS)
        if not args.configuration or configuration == args.configuration
    ]
    try:
        for name, configuration in runs:
            if task.cancelling():  # a scenario swallowed the cancellation
                raise asyncio.CancelledError
            log.info("%s on %s ...", name, configuration)
            result = await one(name, configuration, scale)
            scenarios.setdefault(name, {})[configuration] = result
            log.info("%s on %s: %.0f s", name, configuration, result["run_seconds"])
            report.save(results, args.out)
    except asyncio.CancelledError:
        # Interrupted: what finished is saved; the report is left as it was.
        results["interrupted"] = True
        return results
    results["run_seconds"] = time.perf_counter() - started
    report.write(results, args.out, args.doc)
    return results


def stop_on_interrupt() -> asyncio.Task[Any]:
    """Ctrl-C (or SIGTERM) stops the whole run, not only the scenario it interrupts: the
    running task is cancelled, and the stacks it started are shut down on the way out."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, task.cancel)
    return task


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("temporalio", "slack_bolt", "slack_sdk", "aiohttp", "slacksim", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Seeded requests have no card to link to, and every digest says it was posted.
    for noisy in ("bot.home", "bot.digest"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    results = asyncio.run(run(args))
    if results.get("interrupted"):
        print(f"interrupted: the scenarios that finished are saved in {args.out}/results.json")
        return 130
    print(report.table(report.rows_of(results)))
    print(f"\nwrote {args.doc} and {args.out}/ in {results['run_seconds']:.0f} s")
    failed = [
        f"{name} on {conf}"
        for name, by_conf in results["scenarios"].items()
        for conf, result in by_conf.items()
        if "error" in result
    ]
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
