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


def decode_json(value: Any, error: str) -> Any:
    """Decode a parameter that form-encoded callers send as a JSON string."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SlackError(error, f"[ERROR] invalid JSON: {exc}") from None


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
    except (SlackObjectFormationError, TypeError, KeyError, ValueError, AttributeError) as exc:
        raise SlackError(error, f"[ERROR] {exc} [json-pointer:/{index}]") from None


def check_modal(raw: Any) -> dict[str, Any]:
    """Validate a modal for ``views.open|push|update``; every failure is ``invalid_arguments``."""
    view = decode_json(raw, "invalid_arguments")
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise SlackError("invalid_arguments", "[ERROR] view must be an object of type modal")
    if "title" not in view:
        raise SlackError("invalid_arguments", "[ERROR] missing required field: title")
    for key in ("title", "submit", "close"):
        text = _text_of(view.get(key))
        if len(text) > MAX_VIEW_TEXT:
            message = f"[ERROR] must be less than {MAX_VIEW_TEXT + 1} characters"
            raise SlackError("invalid_arguments", f"{message} [json-pointer:/view/{key}/text]")
    view = copy.deepcopy(view)
    view["blocks"] = check_blocks(
        view.get("blocks", []), limit=MAX_VIEW_BLOCKS, error="invalid_arguments"
    )
    return view


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
