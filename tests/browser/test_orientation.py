"""Where the page keeps a person: who they view as survives a reload, and what arrives below the
visible part of the channel gets a cue that scrolls to it, as Slack's "new messages" does.

No bot and no Temporal here: the workspace is changed directly, as the Web API would.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, Route, expect

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVALS_CHANNEL_NAME,
    APPROVER_ID,
    OUTSIDER_ID,
    SlackSim,
)
from tests.browser.channel import ChannelPage, post_filler
from tests.helpers import assert_eventually

STATE_REQUESTS = "**/_sim/ui/state*"


async def scrolled_far_up(sim: SlackSim, page: Page) -> tuple[ChannelPage, str]:
    """The page as the approver, scrolled to a message far from the bottom (as to a card
    higher up); returns that message's ts too."""
    first = post_filler(sim, APPROVALS_CHANNEL_ID)
    channel = ChannelPage(page, sim)
    await channel.open(f"?user={APPROVER_ID}")
    await channel.message(first).scroll_into_view_if_needed()
    return channel, first


async def test_the_person_viewed_as_survives_a_reload_and_a_new_visit(
    sim: SlackSim, page: Page
) -> None:
    sim.workspace.post_ephemeral(APPROVALS_CHANNEL_ID, APPROVER_ID, "for the approver only", [])
    channel = ChannelPage(page, sim)
    await channel.open()
    await expect(channel.ephemerals).to_have_count(0)
    held: list[Route] = []

    async def hold_the_first(route: Route) -> None:
        if held:
            await route.continue_()
        else:
            held.append(route)

    # The new person's view never arrives before the reload: only the switch itself counts.
    await page.route(STATE_REQUESTS, hold_the_first)
    await channel.switcher.select_option(APPROVER_ID)
    await assert_eventually(lambda: len(held), bool, what="the switch to ask for a state")
    await page.reload()
    await page.wait_for_selector("body[data-version]")
    # The page acts as the approver (it shows what only they see), and says so.
    await expect(channel.ephemerals).to_have_text(re.compile("for the approver only"))
    await expect(channel.switcher).to_have_value(APPROVER_ID)

    await channel.view_as(OUTSIDER_ID)
    await channel.open()  # the page's plain address, as `chatops up` prints it
    await expect(channel.switcher).to_have_value(OUTSIDER_ID)
    assert channel.errors == []


async def test_a_channel_that_is_gone_keeps_the_person(sim: SlackSim, page: Page) -> None:
    channel = ChannelPage(page, sim)
    await channel.open(f"?user={APPROVER_ID}&channel=C0GONE")

    await expect(page.locator("#channel-title")).to_have_text(f"# {APPROVALS_CHANNEL_NAME}")
    await expect(channel.switcher).to_have_value(APPROVER_ID)
    assert channel.errors == []


async def test_what_arrives_below_the_view_shows_a_cue_that_scrolls_to_it(
    sim: SlackSim, page: Page
) -> None:
    channel, first = await scrolled_far_up(sim, page)
    cue = channel.new_messages_cue
    answer = sim.workspace.post_ephemeral(APPROVALS_CHANNEL_ID, APPROVER_ID, "only you", [])
    await expect(cue).to_have_text("\u2193 1 new message")
    await expect(channel.ephemeral(answer["ts"])).not_to_be_in_viewport()
    later = sim.workspace.post(APPROVALS_CHANNEL_ID, "and then", [])
    await expect(cue).to_have_text("\u2193 2 new messages")
    await expect(channel.message(first)).to_be_in_viewport()  # nobody scrolled for the user

    await cue.click()
    await expect(channel.ephemeral(answer["ts"])).to_be_in_viewport()
    await expect(channel.message(later.ts)).to_be_in_viewport()
    await expect(cue).to_be_hidden()
    assert channel.errors == []


async def test_the_cue_goes_when_the_user_scrolls_down_and_never_shows_at_the_bottom(
    sim: SlackSim, page: Page
) -> None:
    channel, _ = await scrolled_far_up(sim, page)
    cue = channel.new_messages_cue
    sim.workspace.post(APPROVALS_CHANNEL_ID, "below", [])
    await expect(cue).to_be_visible()

    await channel.scroll_to_bottom()
    await expect(cue).to_be_hidden()
    latest = sim.workspace.post(APPROVALS_CHANNEL_ID, "at the bottom", [])
    await expect(channel.message(latest.ts)).to_be_in_viewport()
    await expect(cue).to_be_hidden()
    assert channel.errors == []
