"""The Grafana dashboard in ``deploy/grafana`` is a dashboard Grafana imports, and it queries
exactly the metrics chatops records: every chatops metric it names exists in the code, and
every one in the code is on it. (Temporal's SDK metrics it names are checked against a live
worker's endpoint in tests/orchestration/test_worker_metrics.py.)"""

from __future__ import annotations

import pytest

from bot.metrics import BOT_METRICS
from orchestration.metrics import WORKER_METRICS
from tests.prometheus import dashboard, dashboard_queries, queried_metrics

pytestmark = pytest.mark.unit


def test_the_dashboard_has_grafanas_shape() -> None:
    board = dashboard()
    assert isinstance(board["title"], str) and board["uid"] == "chatops"
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    [variable] = board["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]


def test_every_chatops_metric_queried_exists_and_every_one_is_queried() -> None:
    queried = {name for name in queried_metrics() if name.startswith("chatops_")}
    assert queried == set(BOT_METRICS) | set(WORKER_METRICS)


def test_it_queries_only_chatops_and_temporal_metrics() -> None:
    assert dashboard_queries()
    assert {name.split("_")[0] for name in queried_metrics()} == {"chatops", "temporal"}
