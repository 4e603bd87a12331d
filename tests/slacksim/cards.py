"""Block Kit used by the slacksim tests (a small approval card and a reason modal), and the
listeners the test bots share."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

APPROVE = "approve"
REJECT = "reject"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"


def card_blocks(workflow_id: str = "wf-1") -> list[dict[str, Any]]:
    """A section plus Approve (with a confirm) and Reject buttons."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Approve *{workflow_id}*?"}},
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {
                    "type": "button",
                    "action_id": APPROVE,
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": workflow_id,
                    "style": "primary",
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Approve?"},
                        "text": {"type": "mrkdwn", "text": "Really?"},
                        "confirm": {"type": "plain_text", "text": "Approve"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                },
                {
                    "type": "button",
                    "action_id": REJECT,
                    "text": {"type": "plain_text", "text": "Reject"},
                    "value": workflow_id,
                },
            ],
        },
    ]


def reason_modal(title: str = "Reject") -> dict[str, Any]:
    """A modal asking for a rejection reason."""
    return {
        "type": "modal",
        "callback_id": "reject_reason",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": '{"wf": "wf-1"}',
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": REASON_INPUT},
            }
        ],
    }


def add_reject_and_command_listeners(app: AsyncApp) -> None:
    """Listeners both test bots share: Reject opens the reason modal (a reason is required),
    and ``/workflow`` answers with usage text."""

    @app.action(REJECT)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=reason_modal())

    @app.view("reject_reason")
    async def reason(ack: AsyncAck, view: dict[str, Any]) -> None:
        if view["state"]["values"][REASON_BLOCK][REASON_INPUT]["value"]:
            await ack()
        else:
            await ack(response_action="errors", errors={REASON_BLOCK: "Please give a reason"})

    @app.command("/workflow")
    async def workflow(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(f"Usage: /workflow status <id> (got {command['text']!r})")
