"""Runs recorded before the gate recorded each attempt in the history: their attempts are read
from the workflow's result, with the request digest from the card's first post."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from commands.audit.earlier import attempts_in_result
from orchestration.canonical import model_digest
from orchestration.models.approval import CardInput
from orchestration.models.verdicts import AttemptResult, Verdict
from tests.replaying import HISTORIES, load_history

pytestmark = pytest.mark.unit
CLIENT = cast(Client, SimpleNamespace(data_converter=pydantic_data_converter))


async def first_card(events: list[Any]) -> CardInput:
    for event in events:
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name == "post_approval_card":
            (card,) = await pydantic_data_converter.decode(
                list(attributes.input.payloads), [CardInput]
            )
            return card
    raise AssertionError("no card")


async def test_a_completed_order_from_before_is_read_from_its_result() -> None:
    path = HISTORIES / "before_lean_gate__large_order_waits_then_approve_completes_it.json"
    events = list(load_history(path).events)
    (record,) = await attempts_in_result(CLIENT, events)
    card = await first_card(events)
    assert record.request_id == "1"
    assert record.request_digest == model_digest(card.request)
    assert record.request_digest == (
        "0c816413757b8865404e446d07411b96b97bd48fad031d7ede59f4029cc45c99"
    )  # the digest's definition must not drift: exports made earlier keep verifying
    assert (record.policy_rule, record.policy_version) == (None, None)  # an explicit policy
    attempt = record.attempt
    assert (attempt.user_id, attempt.verdict, attempt.result) == (
        "U0APPROVE1",
        Verdict.APPROVE,
        AttemptResult.APPLIED,
    )
    assert attempt.click_key == "U0APPROVE1:1795298548.370827"


async def test_a_run_without_a_result_has_nothing_to_read() -> None:
    path = HISTORIES / "before_lean_gate__large_order_waits_then_approve_completes_it.json"
    events = list(load_history(path).events)[:-3]  # before it completed
    assert await attempts_in_result(CLIENT, events) == []
