"""The decision modals: valid views within Slack's limits, and what a submission may hold."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.views import View

from bot.modals import REASON_BLOCK, edit_modal, parse_edited_arguments, reject_modal


def test_reject_modal_is_a_valid_view_with_a_required_reason() -> None:
    view = reject_modal('{"workflow_id": "order-ORD-1"}', "Order ORD-1")
    parsed = View(**view)
    assert parsed.to_dict()["callback_id"] == "approval_reject_reason"
    input_block = view["blocks"][1]
    assert input_block["type"] == "input"
    assert input_block.get("optional", False) is False
    assert len(view["title"]["text"]) <= 24


def test_edit_modal_says_optional_once_as_slack_adds_it_to_optional_inputs() -> None:
    view = edit_modal("{}", "Scale prod-web", {"replicas": 3})
    View(**view).to_dict()  # raises on anything Slack would refuse
    reason = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert reason["optional"] is True
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Arguments (JSON object)", "Why the edits"]


def test_edited_arguments_must_be_a_json_object() -> None:
    assert parse_edited_arguments('{"replicas": 2}') == {"replicas": 2}
    assert parse_edited_arguments("[]") == 'Arguments must be a JSON object, e.g. {"replicas": 3}.'
    error = parse_edited_arguments("{")
    assert isinstance(error, str) and error.startswith("Not valid JSON")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[" * 100_000, "Too long: at most 3000 characters."),
        ("[" * 2_900, "Nested too deeply: at most 20 levels of lists and objects."),
        ('{"a": ' * 2_000 + "1" + "}" * 2_000, "Too long: at most 3000 characters."),
        ('{"a": ' * 21 + "1" + "}" * 21, "Nested too deeply: at most 20 levels"),
        ('{"a": [' * 11 + "1" + "]}" * 11, "Nested too deeply: at most 20 levels"),
        ('{"replicas": NaN}', "Not valid JSON: NaN is not a JSON number."),
        ('{"replicas": Infinity}', "Not valid JSON: Infinity is not a JSON number."),
    ],
)
def test_edited_arguments_are_bounded_and_always_answered(text: str, error: str) -> None:
    assert str(parse_edited_arguments(text)).startswith(error)


def test_edited_arguments_may_nest_up_to_the_limit() -> None:
    deep = '{"a": ' * 20 + "1" + "}" * 20
    parsed = parse_edited_arguments(deep)
    assert isinstance(parsed, dict) and json.dumps(parsed) == deep
