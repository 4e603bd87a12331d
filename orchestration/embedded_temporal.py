"""``EmbeddedTemporal``: the Temporal dev server as a child process of chatops.

``chatops server`` and ``chatops up`` run it; :mod:`orchestration.devserver` says how to
find the binary, what command line to give it and which search attributes it must know.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError

from orchestration.datadir import private_data_dir
from orchestration.devserver import (
    NAMESPACE,
    EmbeddedServerError,
    check_port_free,
    ensure_search_attributes,
    find_temporal_binary,
    server_args,
)
from orchestration.search_attributes import ALL

logger = logging.getLogger(__name__)

DB_FILENAME = "temporal.db"
LOG_FILENAME = "temporal.log"
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 20

_POLL_FIRST = 0.05
_POLL_MAX = 0.5
_ATTEMPT_TIMEOUT = 5.0


class EmbeddedTemporal:
    """``async with EmbeddedTemporal(...)`` runs a local Temporal server until the block ends.

    The process is stopped on exit, when startup fails and when the task is cancelled;
    on Linux it also gets SIGTERM if this process dies without cleaning up.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        ui_port: int | None,
        *,
        startup_timeout: float = 60.0,
        log_path: Path | None = None,
        search_attributes: Sequence[SearchAttributeKey] = ALL,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.ui_port = ui_port
        self.startup_timeout = startup_timeout
        self.log_path = log_path or data_dir / LOG_FILENAME
        self.search_attributes = tuple(search_attributes)
        self._process: asyncio.subprocess.Process | None = None
        self._log_offset = 0

    @property
    def address(self) -> str:
        """The frontend's gRPC address, ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str | None:
        """The Web UI's URL, or None when running headless."""
        return None if self.ui_port is None else f"http://127.0.0.1:{self.ui_port}"

    @property
    def db_file(self) -> Path:
        """The SQLite file holding all server state."""
        return self.data_dir / DB_FILENAME

    @property
    def pid(self) -> int | None:
        """The server's process id once started."""
        return None if self._process is None else self._process.pid

    async def __aenter__(self) -> EmbeddedTemporal:
        private_data_dir(self.data_dir)
        check_port_free(self.port, "CHATOPS_TEMPORAL_PORT or TEMPORAL_ADDRESS")
        if self.ui_port is not None:
            check_port_free(self.ui_port, "CHATOPS_TEMPORAL_UI_PORT", role="Temporal UI")
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self._spawn()
            client = await self._wait_until_ready(started + self.startup_timeout)
            await ensure_search_attributes(client, self.search_attributes)
        except BaseException:
            await self.stop()
            raise
        logger.info(
            "Temporal dev server ready at %s in %.1f s (pid %s, db %s)",
            self.address,
            loop.time() - started,
            self.pid,
            self.db_file,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait(self) -> int:
        """Wait for the server process to exit on its own; return its exit code."""
        if self._process is None:
            raise EmbeddedServerError("the Temporal server was not started")
        return await self._process.wait()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after ``STOP_TIMEOUT`` seconds; a no-op when not running."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                logger.warning("Temporal server %s ignored SIGTERM; killing it", process.pid)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        except BaseException:
            # Cancelled mid-wait: do not leave the server behind.
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise

    async def _spawn(self) -> None:
        args = server_args(
            find_temporal_binary(),
            db_file=self.db_file,
            port=self.port,
            ui_port=self.ui_port,
            search_attributes=self.search_attributes,
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Private whatever the umask: the log shows workflow ids and errors.
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "ab") as log:
            self._log_offset = log.tell()
            self._process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                preexec_fn=_die_with_parent(),
            )
        logger.debug("started Temporal server pid %s: %s", self._process.pid, args)

    async def _wait_until_ready(self, deadline: float) -> Client:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        exited = asyncio.ensure_future(self._process.wait())
        interval = _POLL_FIRST
        try:
            while True:
                client = await self._try_connect()
                if client is not None:
                    return client
                if loop.time() >= deadline:
                    raise EmbeddedServerError(
                        f"Temporal did not answer on {self.address} within "
                        f"{self.startup_timeout:g} s{self._log_tail()}"
                    )
                done, _ = await asyncio.wait({exited}, timeout=interval)
                if done:
                    raise EmbeddedServerError(
                        f"Temporal exited with code {exited.result()} while starting"
                        f"{self._log_tail()}"
                    )
                interval = min(interval * 2, _POLL_MAX)
        finally:
            exited.cancel()

    async def _try_connect(self) -> Client | None:
        timeout = timedelta(seconds=_ATTEMPT_TIMEOUT)
        try:
            async with asyncio.timeout(_ATTEMPT_TIMEOUT * 2):
                client = await Client.connect(self.address, connect_timeout=timeout)
                # The namespace answering means persistence and frontend are both up.
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=NAMESPACE), timeout=timeout
                )
        except (RuntimeError, RPCError, TimeoutError) as err:
            logger.debug("Temporal not ready yet: %s", err)
            return None
        return client

    def _log_tail(self) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        lines = text.splitlines()[-LOG_TAIL_LINES:]
        if not lines:
            return f" (log {self.log_path} is empty)"
        return f"; last lines of {self.log_path}:\n" + "\n".join(lines)


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when this process dies.

    Covers the exits no ``finally`` sees (SIGKILL, a crash). Linux only; elsewhere None.
    The signal fires when the spawning thread exits, which is the event loop's thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    pr_set_pdeathsig = 1
    # Looked up here, not in the child, where a lock another thread held at fork could hang it.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec
