"""Block Kit for the bot's decision modals (reject with a reason, approve with edits), and
the parsing of what people submit in them: pure functions, no Slack calls.

https://docs.slack.dev/reference/views/modal-views
"""

from __future__ import annotations

import json
from typing import Any

from activities.cards import Block, arguments_json
from orchestration import slack_text as limits
from orchestration.wording import quoted_title

REJECT_VIEW = "approval_reject_reason"
EDIT_VIEW = "approval_edit_arguments"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
ARGUMENTS_BLOCK = "arguments"
ARGUMENTS_INPUT = "arguments_input"
# Slack's limit on a plain_text_input's value.
MAX_INPUT_LENGTH = limits.INPUT_VALUE
MAX_ARGUMENT_DEPTH = 20  # lists and objects inside edited arguments
MAX_REASON_LENGTH = 2000
# Slack itself adds "(optional)" to the label of an optional input.
EDIT_REASON_LABEL = "Why the edits"


def _modal(
    callback_id: str, private_metadata: str, title: str, submit: str, blocks: list[Block]
) -> dict[str, Any]:
    """A decision modal: title, submit and Cancel, the request's ids in private metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _intro(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _text_input(
    block_id: str, action_id: str, label: str, *, optional: bool = False, **element: Any
) -> Block:
    """An input block holding one ``plain_text_input``; Slack marks optional ones itself."""
    block: Block = {"type": "input", "block_id": block_id}
    if optional:
        block["optional"] = True
    block["label"] = {"type": "plain_text", "text": label}
    block["element"] = {"type": "plain_text_input", "action_id": action_id, **element}
    return block


def reject_modal(private_metadata: str, title: str) -> dict[str, Any]:
    """The modal asking for a rejection reason (required)."""
    reason = _text_input(
        REASON_BLOCK,
        REASON_INPUT,
        "Reason",
        multiline=True,
        max_length=MAX_REASON_LENGTH,
        placeholder={"type": "plain_text", "text": "Why is this rejected?"},
    )
    intro = _intro(f"You are rejecting *{quoted_title(title)}*.")
    return _modal(REJECT_VIEW, private_metadata, "Reject request", "Reject", [intro, reason])


def edit_modal(private_metadata: str, title: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The modal for "Approve with edits": the arguments as JSON, to change and approve.

    Raises:
        ValueError: the arguments do not fit Slack's input (``MAX_INPUT_LENGTH``); they
            cannot be cut, since what is submitted is what runs. Callers check first.
    """
    initial = arguments_json(arguments)
    if len(initial) > MAX_INPUT_LENGTH:
        raise ValueError(f"arguments too long to edit in Slack ({len(initial)} characters)")
    intro = _intro(
        f"You are approving *{quoted_title(title)}* with these arguments. "
        "Change them as needed: what you submit is what runs."
    )
    edited = _text_input(
        ARGUMENTS_BLOCK,
        ARGUMENTS_INPUT,
        "Arguments (JSON object)",
        multiline=True,
        max_length=MAX_INPUT_LENGTH,
        initial_value=initial,
    )
    why = _text_input(
        REASON_BLOCK, REASON_INPUT, EDIT_REASON_LABEL, optional=True, max_length=MAX_REASON_LENGTH
    )
    blocks = [intro, edited, why]
    return _modal(EDIT_VIEW, private_metadata, "Approve with edits", "Approve", blocks)


def _depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def reason_problem(reason: str) -> str | None:
    """What is wrong with a typed reason, for the modal's error: Slack caps the input at
    :data:`MAX_REASON_LENGTH`, and a longer one is refused rather than cut."""
    if len(reason) > MAX_REASON_LENGTH:
        return f"Too long: at most {MAX_REASON_LENGTH} characters ({len(reason)} given)."
    return None


def parse_edited_arguments(text: str) -> dict[str, Any] | str:
    """The edited arguments, or what is wrong with them (for the modal's error).

    Bounded like Slack's own input (``MAX_INPUT_LENGTH`` characters) and to
    ``MAX_ARGUMENT_DEPTH`` levels, so no submission can make the parser fail without an answer.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return f"Too long: at most {MAX_INPUT_LENGTH} characters."
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        return f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})."
    except RecursionError:
        return f"Nested too deeply: at most {MAX_ARGUMENT_DEPTH} levels of lists and objects."
    except ValueError as err:  # NaN or Infinity; an integer too long to convert
        return f"Not valid JSON: {err}."
    if not isinstance(value, dict):
        return 'Arguments must be a JSON object, e.g. {"replicas": 3}.'
    if _depth(value) > MAX_ARGUMENT_DEPTH:
        return f"Nested too deeply: at most {MAX_ARGUMENT_DEPTH} levels of lists and objects."
    return value
