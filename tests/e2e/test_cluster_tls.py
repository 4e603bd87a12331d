"""chatops against a Temporal it did not start, as against a cluster or Temporal Cloud: a dev
server of its own on another port, in a namespace that is not ``default``, reached only through
a proxy that terminates TLS and requires a client certificate (mTLS). ``chatops worker``,
``chatops bot`` and the CLI run as child processes configured by ``TEMPORAL_*`` alone
(``temporalio.envconfig``), and one approval goes through them end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.cards import APPROVE_ACTION
from benchmarks.process_stack import part_env, worker_polls
from benchmarks.processes import Part, answers
from bot.app import EVENTS_PATH
from orchestration import search_attributes as sa
from orchestration.devserver import create_commands
from orchestration.models.order import OrderResult, OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, SlackSim, running_sim
from tests.cli.test_cli import chatops
from tests.conftest import venv_binary
from tests.helpers import REPO_POLICY, assert_eventually, free_port, isolated_env
from tests.tls_proxy import (
    Authority,
    TlsProxy,
    make_authority,
    running_tls_proxy,
    server_context,
)

NAMESPACE = "chatops-ops"
# Where an operator creates the search attributes by hand, as the worker's log says to.
OPERATED = "chatops-operated"
READY_WITHIN = 60.0
# Sent with every call (the dev server ignores it); it must never reach a log.
API_KEY = f"test-api-key-{uuid.uuid4().hex}"


@dataclass
class Cluster:
    """The dev server (this process's plain client to it), the proxy, and the certificates."""

    env: WorkflowEnvironment
    proxy: TlsProxy
    authority: Authority
    stranger: Authority  # another CA, whose certificates the proxy does not trust

    def tls_env(self, authority: Authority | None = None) -> dict[str, str]:
        """``TEMPORAL_*`` for a process that reaches the server through the proxy with mTLS,
        trusting ``authority``'s CA (by default the proxy's)."""
        trusted = authority or self.authority
        return {
            "TEMPORAL_ADDRESS": self.proxy.address,
            "TEMPORAL_NAMESPACE": NAMESPACE,
            "TEMPORAL_API_KEY": API_KEY,
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(trusted.ca_cert),
            "TEMPORAL_TLS_CLIENT_CERT_PATH": str(self.authority.client_cert),
            "TEMPORAL_TLS_CLIENT_KEY_PATH": str(self.authority.client_key),
        }


@pytest_asyncio.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    certs = tmp_path_factory.mktemp("certs")
    authority = make_authority(certs / "ca")
    stranger = make_authority(certs / "stranger", "another CA")
    port = free_port()
    async with (
        await WorkflowEnvironment.start_local(
            namespace=NAMESPACE,
            port=port,
            ui=False,
            data_converter=pydantic_data_converter,
            dev_server_existing_path=venv_binary("temporal"),
            dev_server_startup_timeout=timedelta(seconds=READY_WITHIN),
            dev_server_extra_args=["--namespace", OPERATED],
        ) as env,
        running_tls_proxy(
            ("127.0.0.1", port), server_context(authority, require_client_cert=True)
        ) as proxy,
    ):
        yield Cluster(env, proxy, authority, stranger)


def parts_env(cluster: Cluster, sim: SlackSim, tmp_path: Path) -> dict[str, str]:
    """The worker's, bot's and CLI's environment: the stand-in as Slack, Temporal through
    the proxy, a task queue and data dir of their own."""
    base, ports = isolated_env()
    sim.bot_url = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}{EVENTS_PATH}"
    return part_env(base, sim, tmp_path / "data", REPO_POLICY) | cluster.tls_env()


async def ready(part: Part, probe: Callable[[], Awaitable[bool]]) -> None:
    """Until ``probe`` holds, failing with the part's log if it exits first."""

    async def answering() -> bool:
        if not part.running:
            raise AssertionError(f"the {part.role} exited:\n{part.log_tail()}")
        return await probe()

    await assert_eventually(answering, bool, within=READY_WITHIN, what=f"the {part.role} ready")


@asynccontextmanager
async def worker_and_bot(
    cluster: Cluster, sim: SlackSim, tmp_path: Path
) -> AsyncIterator[tuple[dict[str, str], dict[str, Part]]]:
    """``chatops worker`` and ``chatops bot`` through the proxy, each ready; both stopped at
    the end, also on failure."""
    env = parts_env(cluster, sim, tmp_path)
    parts = {role: Part(role, env, tmp_path / "logs") for role in ("worker", "bot")}
    client, queue = cluster.env.client, env["CHATOPS_TASK_QUEUE"]
    health = f"http://127.0.0.1:{env['CHATOPS_BOT_PORT']}/healthz"
    try:
        for part in parts.values():
            await part.start()
        pid = parts["worker"].pid or 0
        await ready(parts["worker"], lambda: worker_polls(client, queue, pid, NAMESPACE))
        await ready(parts["bot"], lambda: answers(health))
        yield env, parts
    finally:
        for part in parts.values():
            with contextlib.suppress(ProcessLookupError):
                await part.stop()


async def registered_search_attributes(cluster: Cluster, namespace: str) -> dict[str, int]:
    request = ListSearchAttributesRequest(namespace=namespace)
    listed = await cluster.env.client.operator_service.list_search_attributes(request)
    return dict(listed.custom_attributes)


def expected_search_attributes() -> dict[str, int]:
    return {key.name: int(key.indexed_value_type) for key in sa.ALL}


async def namespace_knows(cluster: Cluster, namespace: str, workflow_id: str) -> bool:
    """Whether ``namespace`` of the dev server has a workflow ``workflow_id``."""
    target = cluster.env.client.service_client.config.target_host
    client = await Client.connect(target, namespace=namespace)
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        assert err.status is RPCStatusCode.NOT_FOUND, err
        return False
    return True


async def test_an_approval_through_mtls_in_another_namespace(
    cluster: Cluster, tmp_path: Path
) -> None:
    async with running_sim() as sim, worker_and_bot(cluster, sim, tmp_path) as (env, parts):
        started = await chatops("start", "order", "--example", "large", env=env)
        assert started.code == 0, started.err
        workflow_id = started.out.strip()
        cards = await assert_eventually(
            lambda: sim.messages(APPROVALS_CHANNEL_ID), bool, what="the card"
        )
        assert workflow_id in str(cards[0]["blocks"])
        clicked = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, cards[0]["ts"], APPROVE_ACTION)
        assert clicked.status == 200 and clicked.error is None
        final = await assert_eventually(
            lambda: sim.messages(APPROVALS_CHANNEL_ID)[0]["text"],
            lambda text: "Order completed" in text,
            what="the card updated",
        )
        assert f"Approved by <@{APPROVER_ID}>" in final
        handle = cluster.env.client.get_workflow_handle(workflow_id, result_type=OrderResult)
        result = await asyncio.wait_for(handle.result(), READY_WITHIN)
        assert result.step is OrderStep.COMPLETED
        assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
        status = await chatops("workflow", "status", workflow_id, env=env)
        assert status.code == 0 and workflow_id in status.out, status.err
    # The worker registered the search attributes in this namespace, through the proxy.
    registered = await registered_search_attributes(cluster, NAMESPACE)
    assert expected_search_attributes().items() <= registered.items()
    assert await namespace_knows(cluster, "default", workflow_id) is False
    for part in parts.values():
        assert part.process is not None and part.process.returncode == 0, part.log_tail()
        assert API_KEY not in part.log_path.read_text()


async def test_a_worker_that_does_not_trust_the_server_exits_saying_why(
    cluster: Cluster, tmp_path: Path
) -> None:
    env = isolated_env()[0] | cluster.tls_env(cluster.stranger)
    env["CHATOPS_DATA_DIR"] = str(tmp_path / "data")
    run = await chatops("worker", env=env)
    assert run.code == 1
    assert f"cannot use Temporal at {cluster.proxy.address} (namespace {NAMESPACE}): TLS" in run.err
    assert "TEMPORAL_TLS_SERVER_CA_CERT_PATH" in run.err and API_KEY not in run.err


async def test_a_tls_file_that_is_not_there_is_named(cluster: Cluster, tmp_path: Path) -> None:
    env = isolated_env()[0] | cluster.tls_env()
    env |= {"TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "gone.key")}
    env["CHATOPS_DATA_DIR"] = str(tmp_path / "data")
    for role in ("worker", "bot"):
        run = await chatops(role, env=env)
        assert run.code == 1
        assert f"cannot read {tmp_path / 'gone.key'}" in run.err


async def test_a_namespace_that_does_not_exist_is_named(cluster: Cluster, tmp_path: Path) -> None:
    env = isolated_env()[0] | cluster.tls_env() | {"TEMPORAL_NAMESPACE": "no-such-namespace"}
    env["CHATOPS_DATA_DIR"] = str(tmp_path / "data")
    run = await chatops("worker", env=env)
    assert run.code == 1
    assert "namespace 'no-such-namespace' does not exist" in run.err


async def test_the_operators_commands_create_the_search_attributes(cluster: Cluster) -> None:
    target = cluster.env.client.service_client.config.target_host
    for command in create_commands(OPERATED):
        program, *words = shlex.split(command)
        process = await asyncio.create_subprocess_exec(
            venv_binary(program), *words, "--address", target,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        said, _ = await asyncio.wait_for(process.communicate(), READY_WITHIN)
        assert process.returncode == 0, said.decode()
    registered = await registered_search_attributes(cluster, OPERATED)
    assert expected_search_attributes().items() <= registered.items()
