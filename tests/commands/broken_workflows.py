"""Deliberately broken deploys of the order workflow, for the stuck-workflow tests: each is
registered as ``OrderWorkflow`` on a test worker, so the lists that show orders show it.

Kept apart from the tests (which import the whole project) so the workflow sandbox has
little to re-import."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

ACTIVITY_TIMEOUT = timedelta(seconds=5)
BROKEN_MESSAGE = "payment <!channel> mapping & <b>totals</b> are wrong"


@workflow.defn(name="OrderWorkflow")
class RaisingOrderWorkflow:
    """Workflow code that raises a plain exception: the workflow task fails, and Temporal
    retries it forever (only an ``ApplicationError`` would fail the workflow)."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError(BROKEN_MESSAGE)


class Pokeable:
    """Waits to be poked: the signal both versions have."""

    def __init__(self) -> None:
        self.poked = False

    @workflow.signal
    def poke(self) -> None:
        self.poked = True


@workflow.defn(name="OrderWorkflow")
class OrderBeforeDeploy(Pokeable):
    """Waits on a timer until poked: its history records the timer."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.poked, timeout=timedelta(hours=1))


@workflow.defn(name="OrderWorkflow")
class OrderAfterDeploy(Pokeable):
    """The same workflow changed without ``workflow.patched``: an activity where the history
    has a timer, so replaying a run started before the change is non-deterministic."""

    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity("reserve_stock", start_to_close_timeout=ACTIVITY_TIMEOUT)
