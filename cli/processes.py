"""Long-running commands: ``server``, ``worker``, ``bot``, ``slack-sim``, and ``up`` (all)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from contextlib import AsyncExitStack

import aiohttp

from bot.app import EVENTS_PATH
from bot.main import run_bot
from cli.errors import CliError
from cli.examples import example_order
from cli.orders import start_order
from cli.tickets import example_ticket, start_ticket
from orchestration.client import connect, uses_embedded_server
from orchestration.devserver import EmbeddedTemporal, check_port_free
from orchestration.policy import PolicyError, load_policy
from orchestration.settings import Settings
from orchestration.slack_trust import bot_problem, slack_api_problem
from orchestration.starts import ui_url
from orchestration.worker import run_worker
from slacksim.server import running_sim

log = logging.getLogger("chatops")
CHILD_STOP_TIMEOUT = 30.0
READY_TIMEOUT = 60.0


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so every command can shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def check_bot_settings(settings: Settings) -> None:
    """Refuse to run a bot that Slack could not talk to, or that someone else could talk to
    as Slack (see :mod:`orchestration.slack_trust`), before opening any port."""
    problem = bot_problem(settings)
    if problem is not None:
        raise CliError(problem)


def check_worker_settings(settings: Settings) -> None:
    """Refuse to send a bot token where it does not belong."""
    problem = slack_api_problem(settings)
    if problem is not None:
        raise CliError(problem)


def standin_secrets(settings: Settings) -> tuple[str, str]:
    """The bot token and signing secret the stand-in runs with; refused with a workspace,
    whose credentials must never sign requests anyone on this machine can ask for."""
    secret = settings.signing_secret()
    if settings.uses_real_slack or secret is None:
        raise CliError(
            "SLACK_BOT_TOKEN is set: the stand-in is for running without a Slack workspace; "
            "unset SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET) to use it"
        )
    return settings.bot_token(), secret


def check_policy_file(settings: Settings) -> None:
    """Refuse to run a worker whose policy file is missing or invalid (file, field, reason)."""
    try:
        load_policy(settings.policy_file)
    except PolicyError as err:
        raise CliError(
            f"{err}\nfix the policy file (CHATOPS_POLICY_FILE) and start again"
        ) from None


async def cmd_server(settings: Settings) -> None:
    """Run the embedded Temporal server until Ctrl-C."""
    stop = stop_on_signals()
    async with EmbeddedTemporal(
        settings.data_dir, settings.temporal_port, settings.temporal_ui_port
    ) as server:
        print(f"Temporal server at {server.address}; web UI at {server.ui_url}", flush=True)
        await stop.wait()


async def cmd_worker(settings: Settings) -> None:
    """Run the worker until Ctrl-C."""
    check_policy_file(settings)
    check_worker_settings(settings)
    stop = stop_on_signals()
    client = await connect(settings)
    await run_worker(settings, client, stop)


async def cmd_bot(settings: Settings) -> None:
    """Run the bot until Ctrl-C."""
    check_bot_settings(settings)
    stop = stop_on_signals()
    client = await connect(settings)
    await run_bot(settings, client, stop)


def bot_events_url(settings: Settings) -> str:
    """Where the stand-in delivers Slack traffic."""
    return f"http://127.0.0.1:{settings.bot_port}{EVENTS_PATH}"


async def cmd_slack_sim(settings: Settings) -> None:
    """Run only the local Slack stand-in, delivering to the bot's port."""
    bot_token, signing_secret = standin_secrets(settings)
    stop = stop_on_signals()
    async with running_sim(
        port=settings.slack_sim_port,
        bot_token=bot_token,
        signing_secret=signing_secret,
        bot_url=bot_events_url(settings),
    ) as sim:
        print(f"Slack stand-in: Web API at {sim.api_url}", flush=True)
        await stop.wait()


async def _spawn(role: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "cli.main", role, env=env)


async def _wait_healthy(url: str, child: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if child.returncode is not None:
                raise CliError(f"the bot exited during start-up (code {child.returncode})")
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=1)) as resp:
                    if resp.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.1)
    raise CliError(f"the bot did not answer {url} within {READY_TIMEOUT:.0f}s")


async def _stop_children(children: dict[str, asyncio.subprocess.Process]) -> None:
    for child in children.values():
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
    for role, child in children.items():
        try:
            await asyncio.wait_for(child.wait(), CHILD_STOP_TIMEOUT)
        except TimeoutError:
            log.warning("%s did not stop in %.0fs; killing it", role, CHILD_STOP_TIMEOUT)
            child.kill()
            await child.wait()


DEMO_EXAMPLES = ("large", "huge", "undeliverable")


async def start_demo(settings: Settings) -> list[str]:
    """A few example requests (three orders, one escalating ticket), so a newcomer sees cards
    at once."""
    client = await connect(settings)
    link = ui_url(settings)
    started = [
        await start_order(client, settings, example_order(name), ui_url=link)
        for name in DEMO_EXAMPLES
    ]
    ticket = example_ticket("no-agents")
    started.append(await start_ticket(client, settings, ticket, ui_url=link))
    return started


async def cmd_up(settings: Settings, *, demo: bool = False) -> None:
    """The whole stack: embedded Temporal (unless TEMPORAL_ADDRESS), stand-in (unless a Slack
    token is set), worker and bot; Ctrl-C stops them all, bot and worker first. With ``demo``,
    a few example orders are started once everything answers."""
    check_bot_settings(settings)
    check_policy_file(settings)
    check_port_free(settings.bot_port, "CHATOPS_BOT_PORT", role="bot")
    if not settings.uses_real_slack:
        check_port_free(settings.slack_sim_port, "CHATOPS_SLACK_SIM_PORT", role="Slack stand-in")
    stop = stop_on_signals()
    env = dict(os.environ)
    lines: list[str] = []
    async with AsyncExitStack() as stack:
        if uses_embedded_server(settings):
            server = await stack.enter_async_context(
                EmbeddedTemporal(
                    settings.data_dir, settings.temporal_port, settings.temporal_ui_port
                )
            )
            env["TEMPORAL_ADDRESS"] = server.address
            if server.ui_url:  # children see an explicit address, so tell them the UI too
                env.setdefault("CHATOPS_TEMPORAL_UI_URL", server.ui_url)
            lines.append(f"Temporal      {server.address}  (web UI {server.ui_url})")
        else:
            lines.append(f"Temporal      {os.environ.get('TEMPORAL_ADDRESS', 'from profile')}")
        if not settings.uses_real_slack:
            bot_token, signing_secret = standin_secrets(settings)
            sim = await stack.enter_async_context(
                running_sim(
                    port=settings.slack_sim_port,
                    bot_token=bot_token,
                    signing_secret=signing_secret,
                    bot_url=bot_events_url(settings),
                )
            )
            lines.append(f"Slack stand-in {sim.base_url}  (open this page; Web API {sim.api_url})")
        children = {"worker": await _spawn("worker", env), "bot": await _spawn("bot", env)}
        try:
            health = f"http://127.0.0.1:{settings.bot_port}/healthz"
            await _wait_healthy(health, children["bot"])
            served = settings.events_signing_secret() is not None
            events = bot_events_url(settings) if served else "Socket Mode"
            lines.append(f"Bot           {events}  (health {health})")
            print("chatops is up:\n  " + "\n  ".join(lines), flush=True)
            if demo:
                started = await start_demo(settings)
                print(f"Demo orders waiting for approval: {', '.join(started)}", flush=True)
            print("Try: ./chatops start order --example large    Stop: Ctrl-C", flush=True)
            waiters = [asyncio.ensure_future(c.wait()) for c in children.values()]
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
            for role, child in children.items():
                if child.returncode is not None and not stop.is_set():
                    log.error("%s exited (code %s); stopping everything", role, child.returncode)
            stopper.cancel()
        finally:
            await _stop_children(children)
    print("chatops stopped.", flush=True)
