"""Answers that are files (``/workflow audit``): shared with the person who asked, in their
direct messages with the app, since a file cannot be ephemeral. Uploaded with Slack's v2 flow
(``files.getUploadURLExternal``, the upload, ``files.completeUploadExternal``) as
``files_upload_v2`` does: https://docs.slack.dev/messaging/working-with-files#uploading_files
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.replies import ReplyFile

log = logging.getLogger(__name__)


class FileNotShared(Exception):
    """The file could not be shared; the message says why (Slack's error code)."""


async def share_file(client: AsyncWebClient, user_id: str, file: ReplyFile, comment: str) -> str:
    """Share ``file`` in the direct messages of ``user_id`` with the app; returns that
    conversation's id.

    Raises:
        FileNotShared: Slack refused a step (for example a missing ``files:write`` scope).
    """
    try:
        opened = await client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        await client.files_upload_v2(
            channel=channel,
            content=file.content,
            filename=file.name,
            title=file.title,
            initial_comment=comment,
        )
    except SlackApiError as err:
        error = str(err.response.get("error") or "unknown error")
        log.warning("could not share %s with %s: %s", file.name, user_id, error)
        raise FileNotShared(error) from None
    return channel
