"""How the page draws what the Web API stored: Block Kit, mrkdwn, threads, ephemerals, modals.

No bot and no Temporal here: messages are posted through the real ``AsyncWebClient``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest_asyncio
from playwright.async_api import Page, expect
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    GENERAL_CHANNEL_ID,
    OUTSIDER_ID,
    SlackSim,
)
from tests.browser.channel import ChannelPage
from tests.slacksim.cards import APPROVE, REJECT, card_blocks, reason_modal

INJECTED = "<img src=x onerror=window.pwned=1>"


@pytest_asyncio.fixture
async def slack(sim: SlackSim) -> AsyncWebClient:
    return AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url, retry_handlers=[])


async def test_block_kit_and_mrkdwn_are_drawn_as_text_never_as_markup(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    text = (
        f"Hi <@{APPROVER_ID}>: *bold* _slanted_ ~gone~ `code` &lt;b&gt; &amp; "
        f"<https://example.com/a_b|the site> <javascript:alert(1)|not a link> {INJECTED}\nnext"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Header {INJECTED}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Customer*\nAlice"},
                {"type": "mrkdwn", "text": "*Total*\n$1.00"},
            ],
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        *card_blocks()[1:],
    ]
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="x", blocks=blocks)
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text=f"plain {INJECTED} &lt;")
    channel = ChannelPage(page, sim)
    await channel.open()
    await channel.view_as(APPROVER_ID)

    card = channel.message(posted["ts"])
    await expect(card.locator(".block-header")).to_have_text(f"Header {INJECTED}")
    await expect(card.locator(".mention")).to_have_text("@Alex Approver")
    await expect(card.locator("b").first).to_have_text("bold")
    await expect(card.locator("i")).to_have_text("slanted")
    await expect(card.locator("s")).to_have_text("gone")
    await expect(card.locator("code")).to_have_text("code")
    await expect(card.locator("a")).to_have_count(1)
    await expect(card.locator('a[href="https://example.com/a_b"]')).to_have_text("the site")
    section = card.locator(".block-section .section-text")
    await expect(section).to_contain_text("<b> & ")
    await expect(section).to_contain_text(f"not a link {INJECTED}\nnext")
    await expect(card.locator(".block-fields .field")).to_have_text(
        ["Customer\nAlice", "Total\n$1.00"]
    )
    await expect(card.locator(".block-divider")).to_have_count(1)
    await expect(card.locator(".block-context")).to_have_text("small print")
    await expect(card.locator(".sk-button")).to_have_text(["Approve", "Reject"])
    styles = [await b.get_attribute("data-style") for b in await card.locator(".sk-button").all()]
    assert styles == ["primary", "default"]
    await expect(page.locator(".message-text")).to_have_text(f"plain {INJECTED} <")
    await expect(page.locator("img")).to_have_count(0)
    assert await page.evaluate("window.pwned") is None
    assert channel.errors == []


async def test_new_messages_threads_and_ephemerals_arrive_live(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    channel = ChannelPage(page, sim)
    await channel.open()
    await channel.view_as(APPROVER_ID)

    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="first *card*")
    await expect(channel.message(posted["ts"])).to_contain_text("first card")
    await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="a reminder", thread_ts=posted["ts"]
    )
    toggle = channel.message(posted["ts"]).locator(".thread-toggle")
    await expect(toggle.locator(".thread-count")).to_have_text("1 reply")
    await toggle.click()
    await expect(page.locator('.message.reply[data-kind="reply"]')).to_contain_text("a reminder")
    await slack.chat_postEphemeral(channel=APPROVALS_CHANNEL_ID, user=APPROVER_ID, text="psst")
    await expect(channel.ephemerals).to_contain_text("Only visible to you")
    await expect(channel.ephemerals).to_contain_text("psst")
    await expect(channel.message(posted["ts"]).locator(".app-tag").first).to_have_text("APP")

    await channel.view_as(OUTSIDER_ID)
    await expect(channel.ephemerals).to_have_count(0)
    await expect(channel.message(posted["ts"])).to_be_visible()
    assert channel.errors == []


async def test_a_modal_is_drawn_and_cancel_closes_it(sim: SlackSim, page: Page) -> None:
    view = sim.workspace.views.open(APPROVER_ID, reason_modal("Why?"))
    channel = ChannelPage(page, sim)
    await channel.open()
    await channel.view_as(APPROVER_ID)

    await expect(channel.modal).to_have_attribute("data-view-id", view.id)
    await expect(channel.modal.locator(".modal-title")).to_have_text("Why?")
    await expect(channel.modal.locator(".input-label")).to_have_text("Reason")
    await expect(channel.modal.locator(".modal-submit")).to_have_text("Reject")
    await channel.modal.locator(".modal-close").click()

    await expect(channel.modal).to_have_count(0)
    assert sim.open_views(APPROVER_ID) == []
    assert channel.errors == []


async def test_a_click_that_cannot_be_delivered_is_reported(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="x", blocks=card_blocks()
    )
    channel = ChannelPage(page, sim)
    await channel.open()

    await channel.button(posted["ts"], REJECT).click()
    await expect(page.locator(".toast")).to_contain_text("bot_url is not set")
    await channel.button(posted["ts"], APPROVE).click()
    await expect(channel.confirm_dialog.locator(".confirm-title")).to_have_text("Approve?")
    await page.keyboard.press("Escape")
    await expect(channel.confirm_dialog).to_have_count(0)
    assert sim.deliveries == []
    assert channel.errors == []


async def test_a_permalink_opens_the_page_at_its_message(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    posted = [
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text=f"message {n}")
        for n in range(30)
    ]
    early = posted[1]["ts"]
    reply = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="in the thread", thread_ts=posted[2]["ts"]
    )
    top_link = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=early)
    reply_link = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=reply["ts"])
    channel = ChannelPage(page, sim)

    await page.goto(top_link["permalink"])
    linked = page.locator('.message[data-linked="true"]')
    await expect(linked).to_have_attribute("data-ts", early)
    await expect(linked).to_have_class(re.compile(r"\blinked\b"))
    await expect(linked).to_be_in_viewport()
    await expect(page.locator(".channel-link.active")).to_have_attribute(
        "data-channel-id", APPROVALS_CHANNEL_ID
    )

    await page.goto(reply_link["permalink"])
    await expect(linked).to_have_attribute("data-ts", reply["ts"])
    await expect(linked).to_have_attribute("data-kind", "reply")
    await expect(linked).to_be_in_viewport()
    assert channel.errors == []


async def test_a_permalink_in_a_message_opens_its_channel_here(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    card = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="the card")
    link = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=card["ts"])
    await slack.chat_postMessage(
        channel=GENERAL_CHANNEL_ID, text=f"See <{link['permalink']}|the card>"
    )
    channel = ChannelPage(page, sim)
    await page.goto(f"{sim.base_url}?channel={GENERAL_CHANNEL_ID}")

    anchor = page.locator("a.permalink")
    await expect(anchor).to_have_text("the card")
    await expect(anchor).not_to_have_attribute("target", "_blank")
    await anchor.click()

    await expect(channel.message(card["ts"])).to_have_attribute("data-linked", "true")
    await expect(page).to_have_url(re.compile(f"/archives/{APPROVALS_CHANNEL_ID}/p"))
    assert channel.errors == []


async def test_date_tokens_are_drawn_in_the_readers_time_zone_or_as_their_fallback(
    sim: SlackSim, slack: AsyncWebClient, page: Page
) -> None:
    # 2014-02-18 14:39:42 UTC (the page runs in UTC); Slack's own example moment.
    text = (
        "<!date^1392734382^{date_short_pretty} {time}|Feb 18, 2014 14:39 UTC> / "
        "<!date^1392734382^{date_num} {time_secs}|numeric> / "
        "<!date^1392734382^{unknown_word}|Fallback &amp; co> / "
        "<!date^soon^{date}|no moment>"
    )
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text=text)
    channel = ChannelPage(page, sim)
    await channel.open()
    dates = channel.message(posted["ts"]).locator(".date")
    await expect(dates).to_have_text(
        ["Feb 18, 2014 2:39 PM", "2014-02-18 2:39:42 PM", "Fallback & co", "no moment"]
    )
    assert channel.errors == []
