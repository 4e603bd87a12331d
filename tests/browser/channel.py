"""The stand-in's channel page as tests drive it: stable selectors in one place."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Locator, Page

from slacksim import SlackSim

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Enough messages to fill the channel several times over at the tests' window size.
FILLER = 30


def post_filler(sim: SlackSim, channel_id: str) -> str:
    """Post messages that push what came before far up the channel; return the first's ts."""
    posted = [sim.workspace.post(channel_id, f"later message {n}", []) for n in range(FILLER)]
    return posted[0].ts


class ChannelPage:
    """One tab showing the stand-in's page; fails the test on any script error."""

    def __init__(self, page: Page, sim: SlackSim) -> None:
        self.page = page
        self.sim = sim
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    async def open(self, query: str = "") -> None:
        """Load the page (``query``: e.g. ``?user=U…``) and wait until it has drawn."""
        await self.page.goto(self.sim.base_url + query)
        await self.page.wait_for_selector("body[data-version]")

    async def view_as(self, user_id: str) -> None:
        """Pick a person in the switcher and wait until the page shows their view."""
        await self.page.select_option("#user-switcher", user_id)
        await self.page.wait_for_url(re.compile(f"user={user_id}"))

    def message(self, ts: str) -> Locator:
        return self.page.locator(f'.message[data-kind="message"][data-ts="{ts}"]')

    def button(self, ts: str, action_id: str) -> Locator:
        return self.message(ts).locator(f'.sk-button[data-action-id="{action_id}"]')

    @property
    def confirm_dialog(self) -> Locator:
        return self.page.locator(".confirm-dialog")

    @property
    def modal(self) -> Locator:
        return self.page.locator(".modal")

    @property
    def ephemerals(self) -> Locator:
        return self.page.locator(".message.ephemeral")

    def ephemeral(self, ts: str) -> Locator:
        return self.page.locator(f'.message.ephemeral[data-ts="{ts}"]')

    @property
    def switcher(self) -> Locator:
        """The "Viewing as" selector."""
        return self.page.locator("#user-switcher")

    @property
    def new_messages_cue(self) -> Locator:
        return self.page.locator("#new-messages")

    async def scroll_to_bottom(self) -> None:
        await self.page.locator("#messages").evaluate("box => { box.scrollTop = box.scrollHeight }")

    async def send(self, text: str) -> None:
        """Type into the composer and press Enter."""
        await self.page.fill("#composer-input", text)
        await self.page.press("#composer-input", "Enter")

    async def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.page.mouse.move(0, 0)  # no hover highlight in the picture
        await self.page.screenshot(path=str(path))
        return path
