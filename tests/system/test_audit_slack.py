"""``/workflow audit <id>`` in Slack: the export arrives as a file in the asker's direct
messages with the app (upload flow v2 against the stand-in), and its content verifies."""

from __future__ import annotations

import asyncio

from commands.audit.chain import verify
from orchestration.models.verdicts import Verdict
from slacksim import APPROVER_ID, REQUESTER_ID
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually, decide
from tests.stack import Stack, large_order


async def test_audit_is_answered_with_a_file_that_verifies(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    await decide(handle, Verdict.APPROVE, APPROVER_ID, reason="fine", click_key="k-1")
    await asyncio.wait_for(handle.result(), 30)

    text = await slash(stack, REQUESTER_ID, f"audit {handle.id}")
    assert text == (
        f"Audit of {handle.id}: 1 decision attempt, as JSON lines with a hash chain "
        "(check it with `chatops audit --verify FILE`).\nThe file is in our direct messages."
    )
    dm = stack.sim.workspace.app_dm(REQUESTER_ID)
    (message,) = await assert_eventually(
        lambda: stack.sim.messages(dm), lambda m: len(m) == 1, what="the file in the DM"
    )
    (file,) = message["files"]
    assert file["name"] == f"audit-{handle.id}.jsonl"
    assert file["title"] == f"Audit of {handle.id}"
    assert message["text"].startswith(f"Audit of {handle.id}: 1 decision attempt")
    lines = stack.sim.file_content(file["id"]).decode().splitlines()
    assert verify(lines) is None
    assert file["size"] == len("\n".join(lines)) + 1
    assert '"who":"' + APPROVER_ID + '"' in lines[0] and '"accepted":true' in lines[0]
    uploads = [call.method for call in stack.sim.calls if call.method.startswith(("files", "up"))]
    assert uploads == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


async def test_audit_of_nothing_gets_a_clear_ephemeral_answer(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    undecided = await slash(stack, REQUESTER_ID, f"audit {handle.id}")
    assert undecided == f"No decisions have been made on {handle.id}: there is nothing to audit."
    unknown = await slash(stack, REQUESTER_ID, "audit order-NO-SUCH-ONE")
    assert unknown == "No workflow order-NO-SUCH-ONE."
    hostile = await slash(stack, REQUESTER_ID, "audit order-<!channel>")
    assert hostile.startswith("'order-&lt;!channel&gt;' is not a workflow id.\n```Usage:")
    assert "  audit <id>" in hostile
    assert stack.sim.calls_to("files.getUploadURLExternal") == []
