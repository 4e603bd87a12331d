"""The benchmarks' report writer, on a small made-up run: the JSON keeps every sample, the
plot is a PNG with a panel per scenario with latencies, the markdown judges each row against
its target and keeps the hand-written section; and one scenario end to end at a tiny scale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from benchmarks import report
from benchmarks.scale import Scale
from benchmarks.scenarios import ack_burst, judged, lists
from benchmarks.stacks import IN_MEMORY, UP, running_stack
from benchmarks.stats import summary
from slacksim import SlackSim

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def latencies(base: float, n: int = 20) -> list[float]:
    return [base + i for i in range(n)]


def made_up_run() -> dict[str, Any]:
    """Every scenario on the ``chatops up`` configuration, lists on both; numbers chosen so
    that some targets are met and some are not."""
    lists_samples = {
        f"{reader}@{size}": latencies(base)
        for reader, base in (("pending", 40.0), ("home", 50.0), ("digest", 30.0))
        for size in (200, 10_000)
    }
    lists_samples["pending@10000"] = latencies(900.0)  # 900 to 919 ms: misses 300 ms
    lists_result = {
        "sizes": [200, 10_000],
        "samples": lists_samples,
        "summary": {k: summary(v) for k, v in lists_samples.items()},
    }
    ack = [20.0 + i % 10 for i in range(100)]  # p99 29 ms
    card = {"card_idle": latencies(50), "raw_idle": latencies(35), "card_busy": latencies(60)}
    card["raw_busy"] = latencies(40)
    startup = {"healthy_s": [3.1, 3.3]}
    return {
        "machine": {"date": "2026-12-01T00:00:00+00:00", "cores": 2, "versions": {}},
        "scale": {"name": "made-up"},
        "run_seconds": 120.0,
        "scenarios": {
            "lists": {UP: lists_result, IN_MEMORY: {"error": "TimeoutError: too slow"}},
            "ack_burst": {
                UP: {
                    "rate": 100.0, "seconds": 60.0, "clicks": 100, "acked": 100,
                    "not_applied_once": [], "samples": {"ack": ack},
                    "summary": {"ack": summary(ack)},
                    "worker_stopped": {
                        "rate": 100.0, "seconds": 10.0, "clicks": 1000, "acked": 1000,
                        "not_applied_once": [], "told_not_recorded": 2,
                        "samples": {"ack": ack}, "summary": {"ack": summary(ack)},
                    },
                }
            },
            "click_card": {
                UP: {"samples": card, "summary": {k: summary(v) for k, v in card.items()}}
            },
            "throughput": {
                UP: {
                    "decisions": 600, "per_second": 9.0, "raw_per_second": 30.0,
                    "request_per_second": 21.0,
                }
            },
            "memory": {
                UP: {
                    "sizes": [100, 10_000],
                    "rss_mb": {
                        "bot": {"100": 90.0, "10000": 95.0},
                        "worker": {"100": 200.0, "10000": 400.0},
                    },
                }
            },
            "startup": {
                UP: {
                    "first_start_seconds": 4.0, "samples": startup,
                    "summary": {"healthy_s": summary(startup["healthy_s"])},
                }
            },
        },
    }  # fmt: skip


def row(markdown: str, *cells: str) -> str:
    """The one table line holding every one of ``cells``."""
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    found = [line for line in lines if all(cell in line for cell in cells)]
    assert len(found) == 1, (cells, found)
    return found[0]


def test_report_writes_json_plot_and_markdown(tmp_path: Path) -> None:
    out, doc = tmp_path / "performance", tmp_path / "PERFORMANCE.md"
    run = made_up_run()
    report.write(run, out, doc)

    assert json.loads((out / "results.json").read_text()) == run
    png = (out / "latency.png").read_bytes()
    assert png[:8] == PNG_MAGIC
    assert len(png) > 20_000  # four panels of boxes, not an empty canvas

    text = doc.read_text()
    assert row(text, "lists: pending", UP).endswith("| not met |")
    assert "p95 918 ms at 10,000" in row(text, "lists: pending", UP)
    assert row(text, "lists: home", UP).endswith("| met |")
    assert "failed: TimeoutError: too slow" in row(text, "lists", IN_MEMORY)
    assert row(text, "ack_burst |", UP).endswith("| met |")
    stopped = row(text, "ack_burst (worker stopped)", UP)
    assert "1,000/1,000 acked at 100/s for 10 s (2 of them told Temporal did not" in stopped
    assert stopped.endswith("| not met |")  # turned away, and short of 60 s
    assert '"worker_stopped": {"acked": 1000, "clicks": 1000' in text  # facts, no samples
    assert row(text, "click_card", UP).endswith("| met |")  # p50 70 / 50 ms: 1.40x
    assert "(30%)" in row(text, "throughput: orders", UP)
    assert row(text, "throughput: orders", UP).endswith("| not met |")
    assert "21.0/s vs raw 30.0/s (70%)" in row(text, "throughput: approvals", UP)
    assert row(text, "throughput: approvals", UP).endswith("| met |")
    assert row(text, "memory: bot", UP).endswith("| met |")  # +6%
    assert row(text, "memory: worker", UP).endswith("| not met |")  # +100%
    assert row(text, "startup", UP).endswith("| met |")
    assert "![Latency by scenario](performance/latency.png)" in text


def test_report_keeps_the_hand_written_section(tmp_path: Path) -> None:
    out, doc = tmp_path / "performance", tmp_path / "PERFORMANCE.md"
    report.write(made_up_run(), out, doc)
    written = "| faster lists | lists | 3,500 ms | 120 ms |\n"
    doc.write_text(doc.read_text().replace(report.FIRST_KEPT, report.FIRST_KEPT + written))

    report.write(made_up_run(), out, doc)

    text = doc.read_text()
    kept = text.split(report.KEPT_START)[1].split(report.KEPT_END)[0]
    assert kept.strip("\n") == (report.FIRST_KEPT + written).strip("\n")
    assert text.count(report.KEPT_START) == 1


async def test_lists_scenario_at_a_tiny_scale(tmp_path: Path) -> None:
    tiny = Scale("tiny", list_sizes=(2, 5), list_samples=1)
    async with running_stack(IN_MEMORY, tmp_path) as stack:
        result = await lists.measure(stack, tiny)

    assert sorted(result["samples"]) == sorted(
        f"{reader}@{size}" for reader in lists.READERS for size in (2, 5)
    )
    assert all(len(values) == 1 and values[0] > 0 for values in result["samples"].values())
    assert result["first_line_of_answer"]["5"].startswith("*5 waiting for approval")


def test_a_target_met_short_of_its_scale_is_unknown() -> None:
    assert judged(True, at_scale=False) is None
    assert judged(False, at_scale=False) is False
    assert judged(True, at_scale=True) is True


class Told:
    """The stand-in's record of ephemerals, as ``ack_burst.told`` reads it."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def ephemerals(self, user: str) -> list[dict[str, str]]:
        return [{"text": text} for text in self.texts]


def test_ack_burst_tells_refusals_for_temporal_apart_by_the_request_they_name() -> None:
    texts = [
        "Could not reach Temporal (DEADLINE_EXCEEDED); nothing was changed. Try again shortly."
        "\nRequest: order-a",
        "Temporal did not confirm your decision in time (DEADLINE_EXCEEDED); it may or may not "
        "have been recorded. Look at the request again in a minute before deciding again."
        "\nRequest: order-b",
        "Already approved by <@U1> at 10:00 UTC.\nRequest: order-c",
        "Could not reach Temporal (UNAVAILABLE); nothing was changed.\nRequest: elsewhere",
    ]
    sim = cast(SlackSim, Told(texts))
    assert ack_burst.told(sim, ["order-a", "order-b", "order-c", "order-d"]) == {
        "order-a": "not",
        "order-b": "maybe",
    }
