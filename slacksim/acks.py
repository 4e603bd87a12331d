"""What Slack does with an app's ack, whichever transport carried it.

Over HTTP the ack is the response body; over Socket Mode it is the ack's ``payload``, which the
deliverer hands over as JSON text, so both read the same way here.
"""

from __future__ import annotations

import json

from slacksim import payloads
from slacksim.api import message_content
from slacksim.errors import SlackError
from slacksim.seed import Channel, User
from slacksim.state import Workspace
from slacksim.validation import check_modal
from slacksim.views import View


def apply_view_ack(ws: Workspace, view: View, body: str) -> dict[str, str]:
    """Apply a ``view_submission`` ack: an empty one closes the view.

    Returns:
        The field errors of a ``response_action: errors`` ack, by block_id; else empty.

    Raises:
        SlackError: ``invalid_ack`` for a body that is not a JSON object,
            ``invalid_errors_block_id`` for errors on unknown blocks, or a view the
            ack carries that Slack would reject.
    """
    views = ws.views
    if not body.strip():
        views.close(view.id)
        return {}
    try:
        ack = json.loads(body)
        action = ack.get("response_action")
    except (json.JSONDecodeError, AttributeError):
        raise SlackError("invalid_ack") from None
    if action == "errors":
        return _record_errors(view, ack.get("errors") or {})
    if action == "update":
        views.update(view.id, check_modal(ack.get("view")))
    elif action == "push":
        views.push(view.user, check_modal(ack.get("view")))
    elif action == "clear":
        views.clear(view.id)
    else:
        views.close(view.id)
    return {}


def _record_errors(view: View, errors: object) -> dict[str, str]:
    if not isinstance(errors, dict):
        raise SlackError("invalid_ack")
    # Slack rejects errors for block_ids that are not inputs of the view; the name of
    # this error is the sim's own (Slack's client only shows a generic failure).
    if set(errors) - set(payloads.view_inputs(view)):
        raise SlackError("invalid_errors_block_id")
    view.errors = {str(k): str(v) for k, v in errors.items()}
    return dict(view.errors)


def apply_command_ack(ws: Workspace, channel: Channel, user: User, body: str) -> None:
    """Show a slash command's non-empty ack: ``in_channel`` posts, anything else is ephemeral.

    Raises:
        SlackError: The ack has neither text nor valid blocks.
    """
    try:
        ack = json.loads(body)
    except json.JSONDecodeError:
        ack = None
    if not isinstance(ack, dict):
        # Bolt's ack("text") answers text/plain; Slack shows it to the user alone.
        ack = {"text": body}
    text, blocks = message_content(ack)
    if ack.get("response_type") == "in_channel":
        ws.post(channel.id, text, blocks)
    else:
        ws.post_ephemeral(channel.id, user.id, text, blocks)
