"""Pictures of the local Slack stand-in for the docs, taken from a real ``chatops up --demo``.

Run from the repository: ``.venv/bin/python scripts/screenshots.py``. It starts the whole stack
on free loopback ports with a throw-away data directory, drives the system's Chromium
(``/usr/bin/chromium``) with Playwright, and writes into ``docs/``:

- ``approval-card.png``: a demo order's card, waiting for approval;
- ``decided-card.png``: the same card once an approver approved it;
- ``slash-command.png``: the answer to ``/workflow pending``;
- ``home-tab.png``: an approver's Home tab, "Waiting for you".

Waits look for what the page shows (buttons present or gone), never for wording, so the script
keeps working when card texts change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from playwright.async_api import Locator, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a file: the project's packages come from the checkout

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN  # noqa: E402

DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1100, "height": 700}
PORT_SETTINGS = (
    "CHATOPS_TEMPORAL_PORT",
    "CHATOPS_TEMPORAL_UI_PORT",
    "CHATOPS_BOT_PORT",
    "CHATOPS_SLACK_SIM_PORT",
)
UP_TIMEOUT_S = 120
WAIT_TIMEOUT_S = 60
WAIT_MS = WAIT_TIMEOUT_S * 1000
CARD = '.message[data-kind="message"]'
T = TypeVar("T")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stack_env(data_dir: Path) -> tuple[dict[str, str], int]:
    """This environment without chatops', Slack's and Temporal's settings, plus free ports and
    ``data_dir``; returns it and the stand-in's port."""
    owned = ("SLACK_", "CHATOPS_", "TEMPORAL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(owned)}
    env.update({name: str(free_port()) for name in PORT_SETTINGS})
    env["CHATOPS_DATA_DIR"] = str(data_dir)
    return env, int(env["CHATOPS_SLACK_SIM_PORT"])


@asynccontextmanager
async def chatops_up(env: dict[str, str]) -> AsyncIterator[list[str]]:
    """``chatops up --demo`` until the block ends (then Ctrl-C); yields the demo's ids."""
    up = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "up", "--demo", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert up.stdout is not None
    try:
        banner = await asyncio.wait_for(up.stdout.readuntil(b"Ctrl-C\n"), UP_TIMEOUT_S)
        demo = next(line for line in banner.decode().splitlines() if line.startswith("Demo"))
        yield demo.split(": ", 1)[1].split(", ")
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGINT)
        await asyncio.wait_for(up.wait(), 60)


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool]) -> T:
    """``probe()`` once ``check`` holds, polling until :data:`WAIT_TIMEOUT_S`."""
    deadline = asyncio.get_running_loop().time() + WAIT_TIMEOUT_S
    while True:
        value = await probe()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"gave up waiting; last saw {value!r}"[:500])
        await asyncio.sleep(0.2)


async def history(base: str) -> list[dict[str, Any]]:
    """The messages in #approvals, newest first, from the stand-in's Web API."""
    headers = {"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"}
    url = f"{base}api/conversations.history?channel={APPROVALS_CHANNEL_ID}"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        return list((await answer.json()).get("messages", []))


async def card_ts(base: str, workflow_id: str) -> str:
    """The ts of the card in #approvals that is about ``workflow_id`` (waits for it)."""

    async def cards() -> list[dict[str, Any]]:
        return [m for m in await history(base) if workflow_id in json.dumps(m["blocks"])]

    found = await eventually(cards, lambda found: len(found) == 1)
    return str(found[0]["ts"])


async def shoot(target: Page | Locator, name: str, page: Page) -> None:
    """Save ``target`` as ``docs/<name>``, without a hover highlight."""
    await page.mouse.move(0, 0)
    path = DOCS / name
    await target.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


async def approve(page: Page, card: Locator) -> None:
    """Click the card's primary button (Approve), confirm if asked, wait for the redraw."""
    await card.locator('.sk-button[data-style="primary"]').first.click()
    confirm = page.locator(".confirm-dialog .confirm-ok")
    with contextlib.suppress(PlaywrightTimeout):
        await confirm.click(timeout=2000)
    await card.locator(".sk-button").first.wait_for(state="detached", timeout=WAIT_MS)


async def tour(page: Page, base: str, order_id: str) -> None:
    """Open the page as an approver and take the four pictures."""
    await page.goto(f"{base}?user={APPROVER_ID}&channel={APPROVALS_CHANNEL_ID}")
    await page.wait_for_selector("body[data-version]")
    ts = await card_ts(base, order_id)
    card = page.locator(f'{CARD}[data-ts="{ts}"]')
    await card.locator(".sk-button").first.wait_for(timeout=WAIT_MS)
    await card.scroll_into_view_if_needed()
    await shoot(card, "approval-card.png", page)

    await approve(page, card)
    await card.scroll_into_view_if_needed()
    await shoot(card, "decided-card.png", page)

    await page.fill("#composer-input", "/workflow pending")
    await page.press("#composer-input", "Enter")
    answer = page.locator(".message.ephemeral").last
    await answer.wait_for(timeout=WAIT_MS)
    await answer.scroll_into_view_if_needed()
    await shoot(page, "slash-command.png", page)

    await page.locator("#app-list .home-link").click()
    await page.locator("#home .sk-button").first.wait_for(timeout=WAIT_MS)
    await shoot(page, "home-tab.png", page)


async def take_pictures() -> None:
    """Start the stack, take the pictures, stop the stack."""
    with tempfile.TemporaryDirectory(prefix="chatops-screenshots-") as data:
        env, sim_port = stack_env(Path(data) / "data")
        async with chatops_up(env) as demo_ids, async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            context = await browser.new_context(
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
                timezone_id="UTC",
                locale="en-US",
            )
            try:
                await tour(await context.new_page(), f"http://127.0.0.1:{sim_port}/", demo_ids[0])
            finally:
                await browser.close()


def main() -> None:
    """Check for Chromium, then take the pictures."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    asyncio.run(take_pictures())


if __name__ == "__main__":
    main()
