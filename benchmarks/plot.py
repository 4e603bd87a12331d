"""The latency plot of a run: one panel per scenario that has latency samples, a box per
measurement and configuration, on a log scale (so 10 ms and 3 s both read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

COLUMNS = 2


def panels(results: dict[str, Any], scenarios: dict[str, Any]) -> list[tuple[str, dict]]:
    """(scenario, {label: samples}) for each scenario with latency samples to show."""
    found = []
    for name, by_configuration in results.get("scenarios", {}).items():
        series: dict[str, list[float]] = {}
        for configuration, result in by_configuration.items():
            if "error" in result or name not in scenarios:
                continue
            for label, values in scenarios[name].distributions(result).items():
                if values:
                    series[f"{label}\n{configuration}"] = values
        if series:
            found.append((name, series))
    return found


def write_plot(results: dict[str, Any], scenarios: dict[str, Any], path: Path) -> None:
    """Draw the panels into ``path`` (PNG)."""
    shown = panels(results, scenarios)
    rows = max(1, -(-len(shown) // COLUMNS))
    figure, axes = plt.subplots(rows, COLUMNS, figsize=(14, 4.2 * rows), squeeze=False)
    for ax, (name, series) in zip(axes.flat, shown, strict=False):
        ax.boxplot(list(series.values()), whis=(1, 99), showfliers=True, flierprops={"ms": 2})
        ax.set_xticks(range(1, len(series) + 1), list(series), fontsize=6, rotation=60)
        ax.set_yscale("log")
        ax.set_ylabel("ms")
        ax.set_title(f"{name} (box: p25-p75, whiskers: p1-p99)", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    figure.suptitle(f"chatops latency, {results.get('scale', {}).get('name', '')} scale")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
