"""Headless Chromium (Debian's, never a downloaded one) driving the stand-in's page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from slacksim import SlackSim, running_sim

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers and CI run as root), and nothing that would call home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1100, "height": 700}


@pytest.fixture(scope="module")
def chromium() -> Path:
    """The distribution's Chromium; the tests skip where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest_asyncio.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """One headless browser per test module."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh tab in its own context, in UTC so times match the cards' text."""
    context = await browser.new_context(
        viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
        timezone_id="UTC",
        locale="en-US",
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SlackSim]:
    """A stand-in alone: no bot, no Temporal."""
    async with running_sim() as running:
        yield running
