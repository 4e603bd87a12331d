"""Block Kit used by the slacksim tests (a small approval card, a reason modal and a Home tab),
and the listeners the test bots share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import DEFAULT_SIGNING_SECRET, Delivery, SlackSim
from tests.helpers import assert_eventually

APPROVE = "approve"
REJECT = "reject"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
OPEN_ITEM = "open_item"
HOME_ITEMS = ("wf-1", "wf-2")


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


def approval_bot(
    client: AsyncWebClient,
    home_events: list[dict[str, Any]],
    approve: Callable[..., Awaitable[None]] | None = None,
) -> AsyncApp:
    """The small Bolt app the stand-in's tests talk to, over HTTP or Socket Mode: Reject asks
    for a reason, ``/workflow`` answers with usage text, the Home tab (whose openings land in
    ``home_events``) lists items to open; ``approve`` (if given) answers Approve."""
    app = AsyncApp(client=client, signing_secret=DEFAULT_SIGNING_SECRET)
    if approve is not None:
        app.action(APPROVE)(approve)
    _add_reject_and_command_listeners(app)
    _add_home_listeners(app, home_events)
    return app


def _add_reject_and_command_listeners(app: AsyncApp) -> None:
    """Reject opens the reason modal (a reason is required); ``/workflow`` answers with usage
    text."""

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


def home_blocks(items: tuple[str, ...] = HOME_ITEMS, opened: int = 0) -> list[dict[str, Any]]:
    """A Home tab listing ``items``, each with an Open button whose value names it."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Waiting for you"}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Opened {opened} times"}],
        },
    ]
    for index, item in enumerate(items):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{item}*"}})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"item_{index}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": OPEN_ITEM,
                        "text": {"type": "plain_text", "text": "Open"},
                        "value": item,
                    }
                ],
            }
        )
    return blocks


def _add_home_listeners(app: AsyncApp, opened: list[dict[str, Any]]) -> None:
    """Opening the Home tab (recorded in ``opened``) publishes it, and Open opens the reason
    modal for that item with the click's trigger."""

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        opened.append(event)
        view = {"type": "home", "blocks": home_blocks(opened=len(opened))}
        await client.views_publish(user_id=event["user"], view=view)

    @app.action(OPEN_ITEM)
    async def open_item(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        item = body["actions"][0]["value"]
        await client.views_open(trigger_id=body["trigger_id"], view=reason_modal(f"Reject {item}"))


@asynccontextmanager
async def served_over_http(app: AsyncApp, sim: SlackSim) -> AsyncIterator[None]:
    """Serve a Bolt app on a free loopback port and point the sim's deliveries at it."""
    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sim.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    try:
        yield
    finally:
        await runner.cleanup()


async def click_home_item(
    sim: SlackSim, user: str, value: str, within: float
) -> tuple[Delivery, dict[str, Any]]:
    """Open the Home tab, click the item ``value``'s button; the delivery and the modal it
    opened."""
    await sim.open_home(user)

    async def published() -> dict[str, Any] | None:
        return sim.home_view(user)

    await assert_eventually(published, lambda view: view is not None, within=within)
    delivery = await sim.click_home(user, OPEN_ITEM, value=value)

    async def views() -> list[dict[str, Any]]:
        return sim.open_views(user)

    [modal] = await assert_eventually(views, lambda found: len(found) == 1, within=within)
    return delivery, modal
