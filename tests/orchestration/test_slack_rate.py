"""The Slack queue's name, its channels' fairness keys, and setting its per-channel limit on
the server (or saying what an operator must run)."""

from __future__ import annotations

import logging

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from orchestration.slack_queue import FAIRNESS_KEY_BYTES, channel_key, slack_task_queue
from orchestration.slack_rate import (
    configured_rate,
    ensure_slack_rate,
    operator_command,
    set_slack_rate,
)
from tests.helpers import unique


@pytest.mark.unit
def test_a_channel_is_one_key_however_it_is_spelled_and_never_too_long() -> None:
    assert slack_task_queue("chatops") == "chatops-slack"
    assert {channel_key(c) for c in ("approvals", "#approvals", " #Approvals ")} == {"approvals"}
    assert channel_key("C0APPROVALS") == "c0approvals"
    long = "x" * 80  # Slack allows channel names of 80 characters
    assert len(channel_key(long).encode()) <= FAIRNESS_KEY_BYTES
    assert channel_key(long) != channel_key("y" * 80)
    assert channel_key("") == "-"


@pytest.mark.unit
def test_the_operator_command_names_the_slack_queue_and_the_rate() -> None:
    command = operator_command("prod", "chatops", 1.0)
    assert command.startswith("temporal task-queue config set --namespace prod ")
    assert "--task-queue chatops-slack --task-queue-type activity" in command
    assert "--fairness-key-rps-limit-default 1 " in command


async def test_the_limit_is_set_once_and_changed_when_the_setting_changes(
    client: Client,
) -> None:
    queue = unique("tq-rate")
    assert await configured_rate(client, queue) is None
    assert await ensure_slack_rate(client, queue, 1.0)
    assert await ensure_slack_rate(client, queue, 1.0)
    assert await configured_rate(client, queue) == 1.0
    assert await ensure_slack_rate(client, queue, 0.5)
    assert await configured_rate(client, queue) == 0.5
    assert await ensure_slack_rate(client, queue, 0)  # 0: left as the operator set it
    assert await configured_rate(client, queue) == 0.5
    await set_slack_rate(client, queue, None)
    assert await configured_rate(client, queue) is None


async def test_a_server_that_refuses_is_logged_with_the_operators_command(
    ts_env: WorkflowEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    # The time-skipping test server implements no task queue configuration.
    with caplog.at_level(logging.ERROR, logger="orchestration.slack_rate"):
        assert not await ensure_slack_rate(ts_env.client, "tq-refused", 1.0)
    assert operator_command(ts_env.client.namespace, "tq-refused", 1.0) in caplog.text
