"""Summaries of raw samples: percentiles as the older scripts computed them (the sample at
that rank of the sorted list), so figures compare across the history in RESULTS.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``: the sorted sample nearest that rank."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Count, p50, p95, p99, max and mean of ``values`` (empty: the count alone)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; infinity for a zero denominator."""
    return numerator / denominator if denominator else float("inf")
