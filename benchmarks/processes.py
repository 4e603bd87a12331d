"""chatops parts as child processes, as a deployment runs them (``chatops server``, ``worker``,
``bot``, ``slack-sim``): start one, wait until it answers, kill it outright, start it again;
free loopback ports and an environment of their own for them.

Each part runs in a process group of its own, so a kill reaches everything it started (the
server's Temporal binary too), as a crash of that machine's process would. The end-to-end
tests, the crash scenario of the reliability suite and the benchmarks share this.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from cli import lifeline

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 30.0
LOG_TAIL = 3000
REPO_POLICY = ROOT / "policy.yml"


class Part:
    """One ``chatops <role>`` child process, started (and restarted) with the same environment;
    its output goes to ``<logs>/<role>.log``, appended across restarts."""

    def __init__(self, role: str, env: dict[str, str], logs: Path) -> None:
        self.role, self.env, self.logs = role, env, logs
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.role}.log"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        """Start the process (it must not be running)."""
        if self.running:
            raise RuntimeError(f"the {self.role} is running already")
        self.logs.mkdir(parents=True, exist_ok=True)
        # Named as chatops up names itself: the part ends with this process, however it ends.
        env = lifeline.child_env(self.env)
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cli.main", self.role, cwd=ROOT, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    async def kill(self) -> None:
        """SIGKILL the part's whole process group, and wait for the process to be gone."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        self.kills += 1

    async def stop(self) -> int | None:
        """SIGTERM, as Ctrl-C would stop it; SIGKILL for the group after ``STOP_TIMEOUT``. The
        exit code (None when it never ran)."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        return process.returncode

    def log_tail(self, chars: int = LOG_TAIL) -> str:
        """The end of the part's log, for a failure message."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


async def answers(url: str) -> bool:
    """Whether ``url`` answers 200 within a second."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(total=1)) as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


def port_is_free(port: int) -> bool:
    """Whether ``port`` on 127.0.0.1 can be listened on now (as the server's own listener
    binds it: a socket in TIME_WAIT is no conflict)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# Below Linux's ephemeral range (32768-60999), so a port handed out here cannot be taken in the
# meantime by a server that binds port 0 (the dev server picks its HTTP and metrics ports so).
_PORTS = random.Random()
_PORT_RANGE = (20000, 32000)


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago, outside the range the OS hands out itself."""
    while True:
        port = _PORTS.randint(*_PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


PORT_SETTINGS = (
    "CHATOPS_TEMPORAL_PORT",
    "CHATOPS_TEMPORAL_UI_PORT",
    "CHATOPS_BOT_PORT",
    "CHATOPS_SLACK_SIM_PORT",
    "CHATOPS_WORKER_METRICS_PORT",
)


def isolated_env() -> tuple[dict[str, str], dict[str, int]]:
    """This process's environment minus chatops', Slack's and Temporal's settings, with free
    ports for every chatops listener; for running ``chatops`` as a child process."""
    owned = ("SLACK_", "CHATOPS_", "TEMPORAL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(owned)}
    ports = {name: free_port() for name in PORT_SETTINGS}
    env.update({name: str(port) for name, port in ports.items()})
    return env, ports
