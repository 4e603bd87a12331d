"""Deploy a service once chatops says yes: the example's worker and starter in one process.

With chatops running (``./chatops up`` in another terminal)::

    .venv/bin/python examples/deploy/run.py --env prod

starts a worker for the ``Deploy`` workflow on its own task queue, starts one deploy, waits
for the answer from Slack (or the stand-in's page) and prints how it ended. Ctrl-C cancels the
deploy and its approval request. The Temporal connection comes from ``TEMPORAL_ADDRESS`` and
Temporal's other ``TEMPORAL_*`` settings, by default the embedded server of ``chatops up``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from deploy_activities import roll_out
from deploy_workflow import DeployInput, DeployResult, DeployWorkflow
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.envconfig import ClientConfig
from temporalio.worker import Worker

from orchestration.ask import DEFAULT_TASK_QUEUE

TASK_QUEUE = "deploys"
DEFAULT_ADDRESS = "127.0.0.1:7233"  # chatops up's embedded Temporal
CANCEL_WAIT = timedelta(seconds=30)


def deploy_worker(client: Client, task_queue: str = TASK_QUEUE) -> Worker:
    """A worker for the deploy workflow and its activity (the default, sandboxed runner)."""
    return Worker(client, task_queue=task_queue, workflows=[DeployWorkflow], activities=[roll_out])


async def start_deploy(
    client: Client, deploy: DeployInput, task_queue: str = TASK_QUEUE
) -> WorkflowHandle[DeployWorkflow, DeployResult]:
    """Start one deploy; its id names the service and environment."""
    workflow_id = f"deploy-{deploy.service}-{deploy.env}-{uuid.uuid4().hex[:8]}"
    return await client.start_workflow(
        DeployWorkflow.run, deploy, id=workflow_id, task_queue=task_queue
    )


async def cancel(handle: WorkflowHandle[DeployWorkflow, DeployResult]) -> None:
    """Cancel the deploy, and keep its worker until it has cancelled its approval request
    (the card then says so)."""
    await handle.cancel()
    # It ends cancelled, as asked (a failure); if that is slow, the worker's next start ends it.
    with contextlib.suppress(WorkflowFailureError, TimeoutError):
        await asyncio.wait_for(handle.result(), CANCEL_WAIT.total_seconds())
    print(f"Stopped: {handle.id} and its approval request are cancelled.")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Deploy a service once chatops approves.")
    parser.add_argument("--env", required=True, help="where to: prod, staging, sandbox-1 ...")
    parser.add_argument("--service", default="api", help="what to deploy (default: api)")
    parser.add_argument("--version", default="2.3", help="which version (default: 2.3)")
    parser.add_argument("--canary", action="store_true", help="roll out as a canary")
    parser.add_argument("--requested-by", help="your Slack user id (you cannot approve it)")
    parser.add_argument(
        "--chatops-task-queue",
        default=os.environ.get("CHATOPS_TASK_QUEUE", DEFAULT_TASK_QUEUE),
        help="chatops' task queue (default: CHATOPS_TASK_QUEUE, else chatops)",
    )
    parser.add_argument("--task-queue", default=TASK_QUEUE, help="this example's task queue")
    return parser.parse_args(argv)


async def connect() -> Client:
    """A client with Temporal's default data converter, as another team's code has."""
    config: dict[str, Any] = dict(ClientConfig.load_client_connect_config())
    config.setdefault("target_host", DEFAULT_ADDRESS)
    try:
        return await Client.connect(**config)
    except RuntimeError as err:
        raise SystemExit(
            f"cannot reach Temporal at {config['target_host']} ({err}); "
            "is chatops up running? Elsewhere, set TEMPORAL_ADDRESS."
        ) from None


async def main(argv: Sequence[str] | None = None) -> int:
    """Run one deploy to its end; 0 when it was deployed, 1 when not."""
    args = parse(argv)
    deploy = DeployInput(
        service=args.service,
        version=args.version,
        env=args.env,
        canary=args.canary,
        requested_by=args.requested_by,
        chatops_task_queue=args.chatops_task_queue,
    )
    client = await connect()
    stand_in = f"http://127.0.0.1:{os.environ.get('CHATOPS_SLACK_SIM_PORT', '3001')}/"
    async with deploy_worker(client, args.task_queue):
        handle = await start_deploy(client, deploy, args.task_queue)
        print(f"Started {handle.id}; it asks chatops for approval as {handle.id}-approval-1.")
        print(f"If a card is posted in #approvals, decide there (the stand-in: {stand_in}).")
        try:
            result = await handle.result()
        except WorkflowFailureError as err:
            print(f"{handle.id} failed: {err.cause}", file=sys.stderr)
            return 1
        except asyncio.CancelledError:  # Ctrl-C: leave nothing waiting behind
            await cancel(handle)
            raise
    who = f" by {', '.join(result.approved_by)}" if result.approved_by else ""
    print(f"{result.outcome}{who} (policy rule {result.policy_rule}): {result.summary}")
    return 0 if result.deployed else 1


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)
