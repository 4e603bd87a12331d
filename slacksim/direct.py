"""Direct messages between the app and one person: ``conversations.open``.

The conversation is the person's App Home messages: one per person, with the same ``D`` id
that ``app_home_opened`` events carry (:meth:`Workspace.app_dm`). It is opened on the first
``conversations.open`` and answered as already open afterwards, as Slack does. Error names
follow https://api.slack.com/methods/conversations.open; the stand-in opens only 1:1
conversations (a group DM of several people is refused, saying so).
"""

from __future__ import annotations

from slacksim.api import Params, Result, method
from slacksim.errors import SlackError
from slacksim.seed import BOT_USER_ID, Channel
from slacksim.state import Workspace

# Slack shows every direct message as this channel name in interaction payloads.
IM_NAME = "directmessage"
# A 1:1 conversation needs this scope (group DMs need mpim:write).
IM_SCOPE = "im:write"


def open_im(ws: Workspace, user_id: str) -> tuple[Channel, bool]:
    """The app's direct-message conversation with ``user_id``, and whether it was open
    already.

    Raises:
        SlackError: ``user_not_found``, ``user_disabled`` (deactivated), ``cannot_dm_bot``.
    """
    user = ws.user(user_id)
    if user.deleted:
        raise SlackError("user_disabled")
    if user.is_bot:
        raise SlackError("cannot_dm_bot")
    channel_id = ws.app_dm(user.id)
    if channel_id in ws.channels:
        return ws.channels[channel_id], True
    channel = Channel(
        channel_id,
        IM_NAME,
        {user.id, BOT_USER_ID},
        is_private=True,
        created=int(ws.clock()),
        im_user=user.id,
    )
    return ws.add_channel(channel), False


def reopen_im(ws: Workspace, channel_id: str) -> bool:
    """Open the conversation a saved ``D`` id stood for again (after a restart); False when
    no person of the workspace has that id."""
    for user in ws.users.values():
        if ws.app_dm(user.id) == channel_id and not user.is_bot:
            open_im(ws, user.id)
            return True
    return False


@method("conversations.open")
def conversations_open(ws: Workspace, params: Params) -> Result:
    """Open (or resume) the direct-message conversation with one person; ``return_im`` gives
    the whole conversation object."""
    users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
    resumed = str(params.get("channel") or "")
    if not users and not resumed:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("not_supported", "[ERROR] the stand-in opens only 1:1 conversations")
    if not ws.manifest.grants(IM_SCOPE):
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": IM_SCOPE,
            "provided": ws.manifest.scope_header,
        }
    if users:
        channel, already = open_im(ws, users[0])
    else:
        channel = ws.channel(resumed, ids_only=True)
        if not channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        already = True
    full = params.get("return_im") in (True, 1, "1", "true", "True")
    answer: Result = {"ok": True, "channel": channel.to_api() if full else {"id": channel.id}}
    if already:
        answer.update(no_op=True, already_open=True)
    return answer
