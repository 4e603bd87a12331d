"""The worker's Prometheus endpoint: a worker whose client has the metrics runtime, on a free
port, serves Temporal's SDK metrics and chatops' own once a workflow has run."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from cli.examples import example_order
from orchestration.metrics import WORKER_METRICS
from orchestration.models.order import OrderStep
from orchestration.settings import Settings
from orchestration.telemetry import (
    MetricsEndpointUnavailable,
    metrics_runtime,
    worker_metrics_url,
    worker_runtime,
)
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVER_ID, REQUESTER_ID, running_sim
from tests.helpers import assert_eventually, free_port, new_worker, order_input, unique
from tests.prometheus import Samples, families, queried_metrics, samples, scrape_text


def total(page: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples that carry ``labels`` (the SDK adds its own, such as
    the namespace and task queue)."""
    wanted = set(labels.items())
    return sum(value for (sample, have), value in page.items() if sample == name and wanted <= have)


async def test_the_endpoint_serves_sdk_and_chatops_metrics_after_a_workflow(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    port = free_port()
    runtime = metrics_runtime("127.0.0.1", port)
    client = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )
    queue = unique("tq")
    order = example_order("large", requested_by=REQUESTER_ID)
    async with running_sim() as sim:
        # The card's redraw at expiry fails once: Slack's error is counted, Temporal retries.
        sim.faults.add("chat.update", "error", status=500)
        async with new_worker(client, queue, sim.api_url, tmp_path):
            handle = await client.start_workflow(
                OrderWorkflow.run,
                order_input(order, approvers=[APPROVER_ID], timeout=1, reminder_before=0),
                id=f"{order.workflow_id}-{unique('m')}",
                task_queue=queue,
            )
            assert (await handle.result()).step is OrderStep.CANCELLED
            await assert_eventually(
                lambda: sim.faults.applied, lambda applied: len(applied) == 1, what="the fault"
            )
            url = f"http://127.0.0.1:{port}/metrics"

            def counted(text: str) -> bool:
                # The worker records what it did just after telling the server.
                page = samples(text)
                wanted = (
                    "chatops_worker_slack_api_errors_total",
                    "temporal_workflow_completed_total",
                )
                return all(total(page, name, task_queue=queue) >= 1 for name in wanted)

            text = await assert_eventually(lambda: scrape_text(url), counted, what="metrics")

    page, mine = samples(text), {"task_queue": queue}
    assert total(page, "chatops_approval_expiries_total", kind="order", **mine) == 1
    assert total(page, "chatops_approval_outcomes_total", kind="order", outcome="expired") >= 1
    assert total(page, "chatops_approval_outcomes_total", outcome="approved", **mine) == 0
    errors = {"method": "chat.update", "error": "internal_error", **mine}
    assert total(page, "chatops_worker_slack_api_errors_total", **errors) == 1
    # The parser names a counter's samples with _total; the exposition's name has none.
    completed = {"workflow_type": "OrderWorkflow", **mine}
    assert total(page, "temporal_workflow_completed_total", **completed) == 1
    assert {"temporal_workflow_completed", "temporal_request", *WORKER_METRICS} <= families(text)
    # The dashboard's SDK metrics are ones a worker serves.
    sdk = {name for name in queried_metrics() if name.startswith("temporal_")}
    assert sdk - families(text) == set()


def test_a_taken_port_is_named_in_one_line() -> None:
    port = free_port()
    first = metrics_runtime("127.0.0.1", port)
    with pytest.raises(MetricsEndpointUnavailable, match=f"127.0.0.1:{port}.*METRICS_PORT"):
        metrics_runtime("127.0.0.1", port)
    assert first.metric_meter is not None  # kept listening until here


def test_off_means_no_endpoint_and_the_default_runtime() -> None:
    settings = Settings(CHATOPS_WORKER_METRICS_PORT="off")
    assert (worker_runtime(settings), worker_metrics_url(settings)) == (None, None)
    assert Settings(CHATOPS_WORKER_METRICS_PORT="0").worker_metrics_port is None
    default = Settings()
    assert (default.worker_metrics_host, default.worker_metrics_port) == ("127.0.0.1", 9464)
    ipv6 = Settings(CHATOPS_WORKER_METRICS_HOST="::1", CHATOPS_WORKER_METRICS_PORT="9999")
    assert worker_metrics_url(ipv6) == "http://[::1]:9999/metrics"
