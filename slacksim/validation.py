"""Slack's input checks for blocks, modals and message metadata."""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from slacksim.errors import SlackError

# https://docs.slack.dev/reference/block-kit/blocks; slack_sdk has no message-level check.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TEXT = 24
# chat.postMessage: Slack truncates text after 40,000 characters; the sim refuses it instead,
# with the msg_too_long error that Slack documents for overlong messages.
MAX_MESSAGE_TEXT = 40_000
# A section's fields hold up to 2000 characters each; slack_sdk checks only their count.
MAX_FIELD_TEXT = 2000
# Any text object holds up to 3000 characters; slack_sdk does not check a context's elements.
# https://docs.slack.dev/reference/block-kit/composition-objects/text-object
MAX_TEXT_OBJECT = 3000
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255


def decode_json(value: Any, error: str) -> Any:
    """Decode a parameter that form-encoded callers send as a JSON string."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SlackError(error, f"[ERROR] invalid JSON: {exc}") from None


def check_text(text: str) -> str:
    """Refuse message text over Slack's limit with ``msg_too_long``."""
    if len(text) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long")
    return text


def check_blocks(raw: Any, *, limit: int, error: str) -> list[dict[str, Any]]:
    """Validate blocks as Slack does and return copies, each with a ``block_id``.

    ``Block.parse(b).to_dict()`` validates recursively (length limits included); an unknown
    type parses to ``None``.
    """
    blocks = decode_json(raw, error)
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise SlackError(error, "[ERROR] blocks must be an array of objects")
    if len(blocks) > limit:
        raise SlackError(error, f"[ERROR] no more than {limit} items allowed [json-pointer:/]")
    for index, block in enumerate(blocks):
        _parse_block(block, index, error)
    checked = copy.deepcopy(blocks)
    for block in checked:
        # Slack fills in a random block_id; block_actions payloads always carry one.
        block.setdefault("block_id", secrets.token_urlsafe(4))
    return checked


def _parse_block(block: dict[str, Any], index: int, error: str) -> None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            raise SlackError(error, f"[ERROR] unsupported type [json-pointer:/{index}/type]")
        parsed.to_dict()
        for field_no, item in enumerate(block.get("fields") or []):
            _check_text(item, MAX_FIELD_TEXT, f"/{index}/fields/{field_no}/text", error)
        if block.get("type") == "context":
            for element_no, item in enumerate(block.get("elements") or []):
                _check_text(item, MAX_TEXT_OBJECT, f"/{index}/elements/{element_no}/text", error)
    except (SlackObjectFormationError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise SlackError(error, f"[ERROR] {exc} [json-pointer:/{index}]") from None


def _check_text(item: Any, limit: int, pointer: str, error: str) -> None:
    if len(_text_of(item)) > limit:
        message = f"[ERROR] must be less than {limit + 1} characters"
        raise SlackError(error, f"{message} [json-pointer:{pointer}]")


def check_modal(raw: Any) -> dict[str, Any]:
    """Validate a modal for ``views.open|push|update``; every failure is ``invalid_arguments``."""
    view = _view_of_type(raw, "modal")
    if "title" not in view:
        raise SlackError("invalid_arguments", "[ERROR] missing required field: title")
    for key in ("title", "submit", "close"):
        _check_length(_text_of(view.get(key)), MAX_VIEW_TEXT, f"/view/{key}/text")
    return view


def check_home(raw: Any) -> dict[str, Any]:
    """Validate a Home tab for ``views.publish``; every failure is ``invalid_arguments``."""
    return _view_of_type(raw, "home")


def _view_of_type(raw: Any, kind: str) -> dict[str, Any]:
    view = decode_json(raw, "invalid_arguments")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackError("invalid_arguments", f"[ERROR] view must be an object of type {kind}")
    _check_length(
        str(view.get("private_metadata", "")), MAX_PRIVATE_METADATA, "/view/private_metadata"
    )
    _check_length(str(view.get("callback_id", "")), MAX_CALLBACK_ID, "/view/callback_id")
    view = copy.deepcopy(view)
    view["blocks"] = check_blocks(
        view.get("blocks", []), limit=MAX_VIEW_BLOCKS, error="invalid_arguments"
    )
    return view


def _check_length(text: str, limit: int, pointer: str) -> None:
    if len(text) > limit:
        message = f"[ERROR] must be less than {limit + 1} characters"
        raise SlackError("invalid_arguments", f"{message} [json-pointer:{pointer}]")


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def check_metadata(raw: Any) -> dict[str, Any] | None:
    """Validate message metadata: ``{"event_type": str, "event_payload": object}``."""
    if raw in (None, ""):
        return None
    metadata = decode_json(raw, "invalid_metadata_format")
    if not isinstance(metadata, dict):
        raise SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str):
        raise SlackError("invalid_metadata_schema", "[ERROR] missing event_type")
    if not isinstance(metadata.get("event_payload", {}), dict):
        raise SlackError("invalid_metadata_schema", "[ERROR] event_payload must be an object")
    return {
        "event_type": metadata["event_type"],
        "event_payload": metadata.get("event_payload", {}),
    }
