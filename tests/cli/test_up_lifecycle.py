"""``chatops up`` leaves nothing behind: its worker, bot and Temporal server end with it even
when it is killed outright, and any of them failing stops the rest with one line of error.
Processes are found by the data dir in their environment, so a test sees only its own."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.cli.test_cli import ROOT
from tests.cli.test_up import UP_TIMEOUT, port_open
from tests.helpers import assert_eventually, isolated_env

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc"
)
GONE_WITHIN = 40.0


def role_of(cmdline: str) -> str:
    for role in ("worker", "bot"):
        if cmdline.endswith(f"cli.main {role}"):
            return role
    return "server" if "server start-dev" in cmdline else cmdline


def stack_processes(data_dir: Path, *, besides: int) -> dict[int, str]:
    """Live processes other than ``besides`` whose environment names ``data_dir``, by role."""
    marker = f"CHATOPS_DATA_DIR={data_dir}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == besides:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if marker in environ and state not in ("Z", "X"):  # a zombie has ended
            found[int(entry.name)] = role_of(cmdline)
    return found


@asynccontextmanager
async def up_process(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """``chatops up`` as a child, leading its own process group as in a terminal; whatever it
    leaves is killed afterwards, so no test leaks."""
    up = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "up", cwd=ROOT, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        yield up
    finally:
        if up.returncode is None:
            up.kill()
            await up.communicate()
        for pid in stack_processes(Path(env["CHATOPS_DATA_DIR"]), besides=up.pid):
            os.kill(pid, signal.SIGKILL)


async def wait_until_up(up: asyncio.subprocess.Process) -> None:
    assert up.stdout is not None
    banner = await asyncio.wait_for(up.stdout.readuntil(b"Ctrl-C\n"), UP_TIMEOUT)
    assert banner.startswith(b"chatops is up:"), banner


def stack_env(tmp_path: Path) -> tuple[dict[str, str], dict[str, int], Path]:
    env, ports = isolated_env()
    data = tmp_path / "data"
    env["CHATOPS_DATA_DIR"] = str(data)
    return env, ports, data


async def test_killing_up_outright_takes_the_whole_stack_with_it(tmp_path: Path) -> None:
    env, ports, data = stack_env(tmp_path)
    async with up_process(env) as up:
        await wait_until_up(up)
        running = stack_processes(data, besides=up.pid)
        assert sorted(running.values()) == ["bot", "server", "worker"]
        up.kill()
        await up.wait()
        await assert_eventually(
            lambda: stack_processes(data, besides=up.pid),
            lambda left: not left,
            within=GONE_WITHIN,
            what="worker, bot and Temporal server gone after SIGKILL of chatops up",
        )
    for port in ports.values():
        assert not port_open(port), f"port {port} still open"


async def test_ctrl_c_in_a_terminal_reaches_every_part_and_is_a_clean_stop(
    tmp_path: Path,
) -> None:
    env, ports, data = stack_env(tmp_path)
    async with up_process(env) as up:
        await wait_until_up(up)
        os.killpg(up.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
        out, err = await asyncio.wait_for(up.communicate(), 60)
        left = stack_processes(data, besides=up.pid)
    assert up.returncode == 0, err.decode()[-2000:]
    assert out.decode().rstrip().endswith("chatops stopped.")
    assert "error:" not in err.decode()
    assert left == {}
    for port in ports.values():
        assert not port_open(port), f"port {port} still open"


async def test_a_bot_that_cannot_start_stops_everything(tmp_path: Path) -> None:
    env, ports, data = stack_env(tmp_path)
    # The bot's own address is taken, so its pre-check on 127.0.0.1 passes and the bot fails.
    env["CHATOPS_BOT_HOST"] = "127.0.0.2"
    with socket.socket() as taken:
        taken.bind(("127.0.0.2", ports["CHATOPS_BOT_PORT"]))
        taken.listen()
        async with up_process(env) as up:
            _, err = await asyncio.wait_for(up.communicate(), UP_TIMEOUT)
            left = stack_processes(data, besides=up.pid)
    assert up.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "error: the bot exited during start-up (code 1); chatops stopped everything"
    )
    assert left == {}


async def test_a_bot_that_dies_later_stops_everything_and_fails_up(tmp_path: Path) -> None:
    env, ports, data = stack_env(tmp_path)
    async with up_process(env) as up:
        await wait_until_up(up)
        running = stack_processes(data, besides=up.pid)
        bot = next(pid for pid, role in running.items() if role == "bot")
        os.kill(bot, signal.SIGKILL)
        _, err = await asyncio.wait_for(up.communicate(), 60)
        left = stack_processes(data, besides=up.pid)
    assert up.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "error: the bot exited (code -9); chatops stopped everything"
    )
    assert left == {}
    for port in ports.values():
        assert not port_open(port), f"port {port} still open"
    # Everything the stack wrote is its user's alone.
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    written = [p for p in data.rglob("*")]
    assert {p.name for p in written} >= {"temporal.db", "temporal.log"}
    loose = {
        str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in written if p.stat().st_mode & 0o077
    }
    assert loose == {}
