"""The page's scripts draw a channel with a card, its confirm dialog, the Home tab and a modal
without a single console error or uncaught exception."""

from __future__ import annotations

from playwright.async_api import ConsoleMessage, Page, expect
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN, SlackSim
from tests.browser.channel import ChannelPage
from tests.slacksim.cards import APPROVE, OPEN_ITEM, approval_bot, card_blocks, served_over_http


async def test_drawing_a_card_and_the_home_tab_logs_no_error(sim: SlackSim, page: Page) -> None:
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.append(message.text)

    page.on("console", on_console)
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
    async with served_over_http(approval_bot(client, []), sim):
        posted = await client.chat_postMessage(
            channel=APPROVALS_CHANNEL_ID, text="card", blocks=card_blocks()
        )
        channel = ChannelPage(page, sim)
        await channel.open()
        await channel.view_as(APPROVER_ID)
        await channel.button(posted["ts"], APPROVE).click()
        await channel.confirm_dialog.locator(".confirm-deny").click()
        await expect(channel.confirm_dialog).to_have_count(0)

        await page.locator("#app-list .home-link").click()
        await page.locator(f'#home .sk-button[data-action-id="{OPEN_ITEM}"]').first.click()
        await expect(channel.modal.locator(".modal-title")).to_have_text("Reject wf-1")

    assert (channel.errors, console) == ([], [])
