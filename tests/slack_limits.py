"""Slack's documented limits on messages, blocks and views, checked the way Slack would.

``slack_sdk``'s models check some limits (``Block.parse(b).to_dict()`` recursively, a
view's title); the rest are checked here from Slack's reference:
https://docs.slack.dev/reference/block-kit/blocks,
https://docs.slack.dev/reference/block-kit/composition-objects,
https://docs.slack.dev/reference/block-kit/block-elements,
https://docs.slack.dev/reference/views/modal-views.
Lengths are counted in UTF-16 code units (never fewer than characters).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from orchestration import slack_text as limits
from orchestration.slack_text import length

MESSAGE_TEXT_HARD = 40_000


def _within(text: Any, limit: int, what: str) -> None:
    assert isinstance(text, str), f"{what}: not text: {text!r}"
    assert 1 <= length(text) <= limit, f"{what}: {length(text)} of {limit}: {text[:80]!r}"


def _text_objects(node: Any, path: str = "") -> None:
    """Every text object anywhere: not empty, at most 3000."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
            _within(node["text"], limits.TEXT_OBJECT, f"text object {path}")
        for key, value in node.items():
            _text_objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _text_objects(item, f"{path}/{index}")


def _button(button: dict[str, Any]) -> None:
    _within(button["text"]["text"], limits.BUTTON_TEXT, "button text")
    assert len(button.get("action_id", "")) <= 255
    if "value" in button:
        assert len(button["value"]) <= limits.BUTTON_VALUE
    if "accessibility_label" in button:
        _within(button["accessibility_label"], limits.ACCESSIBILITY_LABEL, "accessibility label")
    confirm = button.get("confirm")
    if confirm:
        _within(confirm["title"]["text"], limits.CONFIRM_TITLE, "confirm title")
        _within(confirm["text"]["text"], limits.CONFIRM_TEXT, "confirm text")
        for key in ("confirm", "deny"):
            _within(confirm[key]["text"], 30, f"confirm {key}")


def _input(block: dict[str, Any]) -> None:
    _within(block["label"]["text"], limits.INPUT_LABEL, "input label")
    element = block["element"]
    most = element.get("max_length", limits.INPUT_VALUE)
    assert most <= limits.INPUT_VALUE
    if "initial_value" in element:
        assert len(element["initial_value"]) <= most, "initial value over max_length"
    if "placeholder" in element:
        _within(element["placeholder"]["text"], limits.PLACEHOLDER, "placeholder")


def check_block(block: dict[str, Any]) -> None:
    """One block: parsed and validated by slack_sdk, then Slack's other limits."""
    parsed = Block.parse(block)
    assert parsed is not None, f"unknown block {block.get('type')}"
    parsed.validate_json()
    assert parsed.to_dict() == block  # to_dict validates every nested limit slack_sdk knows
    _text_objects(block)
    assert len(block.get("block_id", "")) <= 255
    kind = block["type"]
    if kind == "header":
        _within(block["text"]["text"], limits.HEADER_TEXT, "header")
    if kind == "section":
        assert "text" in block or block.get("fields"), "a section needs text or fields"
        if "text" in block:
            _within(block["text"]["text"], limits.SECTION_TEXT, "section text")
        assert len(block.get("fields", [])) <= 10
        for item in block.get("fields", []):
            _within(item["text"], limits.FIELD_TEXT, "field")
    if kind == "context":
        assert 1 <= len(block["elements"]) <= 10
    if kind == "actions":
        assert 1 <= len(block["elements"]) <= 25
        for element in block["elements"]:
            _button(element)
    if kind == "input":
        _input(block)


def check_message(text: str, blocks: list[dict[str, Any]]) -> None:
    """A message Slack accepts: a text fallback, at most 50 valid blocks."""
    _within(text, limits.MESSAGE_TEXT, "message text")
    assert length(text) <= MESSAGE_TEXT_HARD
    assert 1 <= len(blocks) <= limits.MESSAGE_BLOCKS
    for block in blocks:
        check_block(block)


def check_view(view: dict[str, Any]) -> None:
    """A modal or Home tab Slack accepts."""
    View(**view).validate_json()
    assert view["type"] in ("modal", "home")
    assert len(view["blocks"]) <= limits.VIEW_BLOCKS
    for key in ("title", "submit", "close"):
        if key in view:
            _within(view[key]["text"], limits.VIEW_TITLE, f"view {key}")
    assert len(view.get("private_metadata", "")) <= limits.PRIVATE_METADATA
    assert len(view.get("callback_id", "")) <= 255
    for block in view["blocks"]:
        check_block(block)
