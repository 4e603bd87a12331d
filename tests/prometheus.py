"""Reading Prometheus text: every sample's value by name and labels, and what moved."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of a ``/metrics`` page, keyed by name and labels (not the moments series
    were created, which prometheus-client adds)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def value(page: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the page does not have it (a labelled series not yet seen)."""
    return page.get((name, frozenset(labels.items())), 0.0)


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    """A sample's key in :data:`Samples`."""
    return (name, frozenset(labels.items()))


def moved(before: Samples, after: Samples) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The samples whose value changed between two pages, with the change."""
    keys = set(before) | set(after)
    changes = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in keys}
    return {key: change for key, change in changes.items() if change}


def families(text: str) -> set[str]:
    """The metric names a page declares (``# TYPE`` lines), as queries name them: the parser
    adds ``_total`` to a counter's samples that the exposition may not have."""
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


async def scrape_text(url: str) -> str:
    """``GET url`` (a ``/metrics`` page) as text."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, response.status
        return await response.text()


async def scrape(url: str) -> Samples:
    """``GET url`` (a ``/metrics`` page) as samples."""
    return samples(await scrape_text(url))


DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "chatops.json"
# A metric name in PromQL: followed by a label matcher or a range (functions take "(").
_QUERIED = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]")
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")


def dashboard() -> dict[str, Any]:
    """The Grafana dashboard shipped in ``deploy/grafana``."""
    return dict(json.loads(DASHBOARD.read_text()))


def dashboard_queries() -> list[str]:
    """Every PromQL expression of the dashboard's panels."""
    return [
        str(target["expr"])
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
    ]


def queried_metrics() -> set[str]:
    """The metric names the dashboard queries; a histogram's series as the histogram."""
    names = {name for expr in dashboard_queries() for name in _QUERIED.findall(expr)}
    return {
        next((name.removesuffix(s) for s in HISTOGRAM_SERIES if name.endswith(s)), name)
        for name in names
    }
