"""A reply that is a file (``/workflow audit``): shared in the asker's direct messages with the
app, the ephemeral answer saying so; when Slack refuses, the answer says why."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import pytest
from slack_sdk.errors import SlackApiError

from bot.listeners.commands.slash import answer
from commands.replies import Reply, ReplyFile

pytestmark = pytest.mark.unit
QUIET = {"response_type": "ephemeral", "replace_original": False, "delete_original": False}
FILE = ReplyFile(name="audit-wf-1.jsonl", title="Audit of wf-1", content='{"a":1}\n')
COMMAND = {"user_id": "U0REQUEST1", "channel_id": "C0GENERAL1"}


def client(upload: Any) -> AsyncMock:
    slack = AsyncMock()
    slack.conversations_open.return_value = {"channel": {"id": "D0REQUEST1"}}
    slack.files_upload_v2.side_effect = upload
    return slack


async def test_the_file_goes_to_the_askers_direct_messages() -> None:
    respond, slack = AsyncMock(), client(None)
    await answer(respond, slack, COMMAND, Reply("Audit of wf-1: 1 decision attempt.", file=FILE))
    slack.conversations_open.assert_awaited_once_with(users="U0REQUEST1")
    slack.files_upload_v2.assert_awaited_once_with(
        channel="D0REQUEST1",
        content='{"a":1}\n',
        filename="audit-wf-1.jsonl",
        title="Audit of wf-1",
        initial_comment="Audit of wf-1: 1 decision attempt.",
    )
    respond.assert_awaited_once_with(
        text="Audit of wf-1: 1 decision attempt.\nThe file is in our direct messages.",
        blocks=None,
        **QUIET,
    )


async def test_a_refused_upload_is_explained() -> None:
    refusal: dict[str, Any] = {"ok": False, "error": "missing_scope"}
    respond = AsyncMock()
    slack = client(SlackApiError("refused", refusal))
    await answer(respond, slack, COMMAND, Reply("Audit of wf-1: 1 decision attempt.", file=FILE))
    respond.assert_awaited_once_with(
        text="Audit of wf-1: 1 decision attempt.\nBut I could not send you the file "
        "(missing_scope).",
        blocks=None,
        **QUIET,
    )
