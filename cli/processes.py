"""Long-running commands: ``server``, ``worker``, ``bot``, ``slack-sim``, and ``up`` (all)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from contextlib import AsyncExitStack
from typing import Any

import aiohttp

from bot.app import EVENTS_PATH
from bot.main import TEMPORAL_RETRY, run_bot
from cli import lifeline
from cli.banner import banner, how_to_run
from cli.demo import DEMO_POLICY_NOTE, start_demo, with_demo_policy
from cli.errors import CliError
from cli.startup_checks import (
    check_bot_settings,
    check_flows,
    check_policy_file,
    check_worker_settings,
    standin_secrets,
)
from orchestration.client import connect_when_up, uses_embedded_server
from orchestration.datadir import private_data_dir, private_files
from orchestration.devserver import check_port_free
from orchestration.embedded_temporal import EmbeddedTemporal
from orchestration.settings import Settings
from orchestration.telemetry import worker_metrics_url, worker_runtime
from orchestration.worker import run_worker
from slacksim.persist import STATE_FILENAME
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


async def cmd_server(settings: Settings) -> None:
    """Run the embedded Temporal server until Ctrl-C."""
    _private_data(settings)
    stop = stop_on_signals()
    async with EmbeddedTemporal(
        settings.data_dir, settings.temporal_port, settings.temporal_ui_port
    ) as server:
        print(f"Temporal server at {server.address}; web UI at {server.ui_url}", flush=True)
        await stop.wait()


async def cmd_worker(settings: Settings) -> None:
    """Run the worker until Ctrl-C; while Temporal cannot be reached, wait for it."""
    check_policy_file(settings)
    check_flows(settings)
    check_worker_settings(settings)
    _private_data(settings)
    stop = stop_on_signals()
    # One runtime per process: the worker's client is connected with the one serving metrics.
    runtime = worker_runtime(settings)
    client = await connect_when_up(
        settings, stop, **({} if runtime is None else {"runtime": runtime})
    )
    if client is not None:
        if runtime is not None:
            log.info("worker metrics on %s", worker_metrics_url(settings))
        await run_worker(settings, client, stop)


async def cmd_bot(settings: Settings) -> None:
    """Run the bot until Ctrl-C; while Temporal cannot be reached, wait for it."""
    check_bot_settings(settings)
    stop = stop_on_signals()
    client = await connect_when_up(settings, stop, retry_config=TEMPORAL_RETRY)
    if client is not None:
        await run_bot(settings, client, stop)


def _private_data(settings: Settings) -> None:
    """Files this process and its children write are theirs alone, in a 0700 data dir."""
    private_files()
    private_data_dir(settings.data_dir)


def _sim_options(settings: Settings) -> dict[str, Any]:
    bot_token, signing_secret = standin_secrets(settings)
    return {
        "port": settings.slack_sim_port,
        "bot_token": bot_token,
        "signing_secret": signing_secret,
        "bot_url": bot_events_url(settings),
        # Kept across restarts, as Slack keeps its messages (cards stay where workflows left them).
        "state_path": settings.data_dir / STATE_FILENAME,
    }


def bot_events_url(settings: Settings) -> str:
    """Where the stand-in delivers Slack traffic."""
    return f"http://127.0.0.1:{settings.bot_port}{EVENTS_PATH}"


async def cmd_slack_sim(settings: Settings) -> None:
    """Run only the local Slack stand-in, delivering to the bot's port."""
    _private_data(settings)
    stop = stop_on_signals()
    async with running_sim(**_sim_options(settings)) as sim:
        print(f"Slack stand-in: Web API at {sim.api_url}", flush=True)
        await stop.wait()


async def _spawn(role: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    # The child asks for its own death signal (cli.lifeline) once it runs: no preexec_fn,
    # which is unsafe in a process with threads.
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", role, env=lifeline.child_env(env)
    )


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=1)) as resp:
            return resp.status == 200
    except (TimeoutError, aiohttp.ClientError):
        return False


async def _wait_healthy(url: str, exits: dict[str, asyncio.Future[int]]) -> None:
    """Until the bot answers ``url``; any process of the stack exiting first is a failure."""
    deadline = time.monotonic() + READY_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            _raise_if_exited(exits, "during start-up ")
            if await _answers(session, url):
                return
            await asyncio.wait(exits.values(), timeout=0.1)
    raise CliError(
        f"the bot did not answer {url} within {READY_TIMEOUT:.0f}s; chatops stopped everything"
    )


class ChildExited(CliError):
    """A part of the stack exited by itself; the message names it and its exit code."""


def _raise_if_exited(exits: dict[str, asyncio.Future[int]], when: str = "") -> None:
    for role, waiter in exits.items():
        if waiter.done():
            raise ChildExited(
                f"the {role} exited {when}(code {waiter.result()}); chatops stopped everything"
            )


async def _stop_children(children: dict[str, asyncio.subprocess.Process]) -> None:
    for child in children.values():
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
    for role, child in children.items():
        try:
            await asyncio.wait_for(child.wait(), CHILD_STOP_TIMEOUT)
        except TimeoutError:
            log.warning("%s did not stop in %.0fs; killing it", role, CHILD_STOP_TIMEOUT)
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()


async def cmd_up(settings: Settings, *, demo: bool = False) -> None:
    """The whole stack: embedded Temporal (unless TEMPORAL_ADDRESS), stand-in (unless a Slack
    token is set), worker and bot; Ctrl-C stops them all, bot and worker first. With ``demo``,
    a few example requests are started once everything answers, under a copy of the policy
    with longer deadlines (:mod:`cli.demo`).

    Any of them exiting, during start-up or later, stops everything and fails the command;
    the children end with this process even when it is killed (:mod:`cli.lifeline`).
    """
    check_bot_settings(settings)
    check_policy_file(settings)
    check_port_free(settings.bot_port, "CHATOPS_BOT_PORT", role="bot")
    if not settings.uses_real_slack:
        check_port_free(settings.slack_sim_port, "CHATOPS_SLACK_SIM_PORT", role="Slack stand-in")
    if settings.worker_metrics_port is not None:
        check_port_free(
            settings.worker_metrics_port, "CHATOPS_WORKER_METRICS_PORT", role="worker metrics"
        )
    _private_data(settings)
    if demo:
        settings = with_demo_policy(settings)
        check_policy_file(settings)
    check_flows(settings)
    stop = stop_on_signals()
    stack = asyncio.ensure_future(_run_stack(settings, demo))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([stack, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not stack.done():  # Ctrl-C, at start-up too: the stack's own exits clean up
            stack.cancel()
            await asyncio.wait([stack])
    # A Ctrl-C in a terminal reaches the children too, which may exit before this process
    # has seen it: that is the stop asked for, not a failure.
    if not stack.cancelled():
        failure = stack.exception()
        if failure is not None and not (stop.is_set() and isinstance(failure, ChildExited)):
            raise failure  # a failure of the stack becomes the command's error
    print("chatops stopped.", flush=True)


async def _run_stack(settings: Settings, demo: bool) -> None:
    # The children use the policy file checked here (the demo's copy with --demo).
    env = dict(os.environ, CHATOPS_POLICY_FILE=str(settings.policy_file))
    rows: list[tuple[str, str]] = []
    exits: dict[str, asyncio.Future[int]] = {}
    children: dict[str, asyncio.subprocess.Process] = {}
    async with AsyncExitStack() as stack:
        stack.callback(lambda: [waiter.cancel() for waiter in exits.values()])
        rows.append(("Temporal", await _start_temporal(stack, settings, env, exits)))
        if not settings.uses_real_slack:
            sim = await stack.enter_async_context(running_sim(**_sim_options(settings)))
            rows.append(
                ("Slack stand-in", f"{sim.base_url}  (open this page; Web API {sim.api_url})")
            )
        # Runs before the stand-in and the server stop: the bot and worker go first.
        stack.push_async_callback(_stop_children, children)
        for role in ("worker", "bot"):
            # Only a demo's bot serves the example flows' endpoints (refunds, changes).
            demo_env = {"CHATOPS_DEMO_ENDPOINTS": "true"} if demo and role == "bot" else {}
            children[role] = await _spawn(role, {**env, **demo_env})
            exits[role] = asyncio.ensure_future(children[role].wait())
        rows.extend(await _bot_rows(settings, exits, demo))
        print(banner(rows), flush=True)
        if demo:
            print(await start_demo(settings), flush=True)
        print(f"Try: {how_to_run()} start order --example large    Stop: Ctrl-C", flush=True)
        await asyncio.wait(exits.values(), return_when=asyncio.FIRST_COMPLETED)
        _raise_if_exited(exits)


async def _start_temporal(
    stack: AsyncExitStack,
    settings: Settings,
    env: dict[str, str],
    exits: dict[str, asyncio.Future[int]],
) -> str:
    """Start the embedded server when the settings ask for it (telling the children where it
    listens); the banner's line about Temporal."""
    if not uses_embedded_server(settings):
        return os.environ.get("TEMPORAL_ADDRESS", "from profile")
    server = await stack.enter_async_context(
        EmbeddedTemporal(settings.data_dir, settings.temporal_port, settings.temporal_ui_port)
    )
    exits["Temporal server"] = asyncio.ensure_future(server.wait())
    env["TEMPORAL_ADDRESS"] = server.address
    if server.ui_url:  # children see an explicit address, so tell them the UI too
        env.setdefault("CHATOPS_TEMPORAL_UI_URL", server.ui_url)
    return f"{server.address}  (web UI {server.ui_url})"


async def _bot_rows(
    settings: Settings, exits: dict[str, asyncio.Future[int]], demo: bool
) -> list[tuple[str, str]]:
    """Wait for the bot to answer its health check; the banner's lines about it and the
    policy in force."""
    health = f"http://127.0.0.1:{settings.bot_port}/healthz"
    await _wait_healthy(health, exits)
    served = settings.events_signing_secret() is not None
    events = bot_events_url(settings) if served else "Socket Mode"
    note = f"  {DEMO_POLICY_NOTE}" if demo else ""
    rows = [("Bot", f"{events}  (health {health})")]
    metrics = worker_metrics_url(settings)
    if metrics is not None:
        rows.append(("Worker metrics", metrics))
    return [*rows, ("Policy", f"{settings.policy_file}{note}")]
