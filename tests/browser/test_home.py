"""The app's Home tab on the stand-in's page, with a real Bolt app publishing it and answering
its buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from playwright.async_api import Locator, Page, expect
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    SlackSim,
)
from tests.browser.channel import ARTIFACTS, ChannelPage
from tests.slacksim.cards import (
    OPEN_ITEM,
    approval_bot,
    served_over_http,
)


@pytest_asyncio.fixture
async def home_events(sim: SlackSim) -> AsyncIterator[list[dict[str, Any]]]:
    """A Bolt app over HTTP that draws the Home tab; yields the events it received."""
    events: list[dict[str, Any]] = []
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
    async with served_over_http(approval_bot(client, events), sim):
        yield events


def open_buttons(page: Page) -> Locator:
    return page.locator(f'#home .sk-button[data-action-id="{OPEN_ITEM}"]')


async def test_opening_home_shows_the_published_view_and_its_buttons_work(
    sim: SlackSim, home_events: list[dict[str, Any]], page: Page
) -> None:
    channel = ChannelPage(page, sim)
    await channel.open()
    await channel.view_as(APPROVER_ID)
    home_link = page.locator("#app-list .home-link")
    await expect(home_link).to_contain_text("Home")

    await home_link.click()
    await expect(open_buttons(page)).to_have_text(["Open", "Open"])
    await expect(home_link).to_have_attribute("aria-current", "page")
    await expect(page.locator("#home .block-header")).to_have_text("Waiting for you")
    await expect(page.locator("#home .block-context")).to_have_text("Opened 1 times")
    await expect(page.locator("#messages")).to_be_hidden()
    await expect(page.locator("#composer")).to_be_hidden()
    await channel.screenshot(ARTIFACTS / "home-tab.png")

    await open_buttons(page).nth(1).click()
    await expect(channel.modal.locator(".modal-title")).to_have_text("Reject wf-2")
    [opened, clicked] = sim.deliveries
    assert (opened.kind, opened.status, clicked.kind, clicked.status) == (
        "event_callback",
        200,
        "block_actions",
        200,
    )
    assert [e["user"] for e in home_events] == [APPROVER_ID]
    await channel.modal.locator(".modal-close").click()
    await expect(channel.modal).to_have_count(0)

    # Becoming someone else while on the tab opens it for them.
    await channel.view_as(APPROVER2_ID)
    await expect(open_buttons(page)).to_have_count(2)
    await expect(page.locator("#home .block-context")).to_have_text("Opened 2 times")
    assert [e["user"] for e in home_events] == [APPROVER_ID, APPROVER2_ID]
    await page.locator(".channel-link[data-channel-id]").first.click()
    await expect(page.locator("#home")).to_be_hidden()
    await expect(page.locator("#messages")).to_be_visible()
    assert channel.errors == []
