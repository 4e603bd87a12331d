"""FlowWorkflow (type ``Flow``): runs one flow file (docs/flows.md) step by step.

It is started with the file's content as validated (:class:`FlowRun`), never the file's path:
a file edited while the flow runs does not change it. It first checks, against the policy
file, that whoever started it may; then runs the steps in order. When a step fails, the
``on_failure`` steps run, a notice in the approvals channel names the flow, the step and the
error, and the workflow fails. Long flows continue as new between top-level steps.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from orchestration.notes import post_mrkdwn_notice
from orchestration.outcomes import Outcome, record_outcome
from orchestration.workflows.flow_progress import FlowProgress
from orchestration.workflows.flow_steps import NOTIFY, SLACK_USER, StepFailed, StepRunner

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.policy import PolicyEngine
    from activities.slack import SlackActivities
    from orchestration import search_attributes as sa
    from orchestration.flows.expressions import ExpressionError
    from orchestration.flows.models import FlowFile
    from orchestration.models.approval import ResolveApproversInput
    from orchestration.models.flow import (
        FlowCarried,
        FlowResult,
        FlowRun,
        FlowStartersInput,
        FlowStatus,
    )
    from orchestration.slack_text import escape

CHECK_TIMEOUT = timedelta(seconds=10)
CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
STEP_FAILED = "FlowStepFailed"
START_REFUSED = "FlowStartRefused"
INVALID_FLOW = "FlowInvalid"
KIND = "flow"


@workflow.defn(name="Flow")
class FlowWorkflow:
    """One run of a flow file: permission check, steps, outputs; on failure, on_failure."""

    @workflow.init
    def __init__(self, run: FlowRun) -> None:
        self._run = run
        self._progress: FlowProgress | None = None

    @workflow.query
    def status(self) -> FlowStatus:
        """The flow, its content hash, each step's state and result, and the current step."""
        if self._progress is None:
            return FlowStatus(flow=self._run.name, content_hash=self._run.content_hash)
        return self._progress.status()

    @workflow.run
    async def run(self, run: FlowRun) -> FlowResult:
        """Check who started it, run the steps, return the outputs."""
        flow = _flow_file(run)
        workflow.upsert_memo({"flow": run.name, "flow_hash": run.content_hash})
        if run.search_attributes and run.called_by is not None:
            workflow.upsert_search_attributes([sa.KIND.value_set(KIND)])
        carried = run.carried
        self._progress = FlowProgress(
            run.name, run.content_hash, flow, carried.states if carried else []
        )
        self._progress.publish()
        run = run.model_copy(update={"inputs": _with_defaults(flow, run.inputs)})
        try:
            result = await self._steps(run, flow)
        except ApplicationError as err:
            ending = Outcome.DENIED if err.type == START_REFUSED else Outcome.FAILED
            record_outcome(run.search_attributes, ending)
            raise
        except asyncio.CancelledError:
            record_outcome(run.search_attributes, Outcome.CANCELLED)
            raise
        record_outcome(run.search_attributes, Outcome.COMPLETED)
        return result

    async def _steps(self, run: FlowRun, flow: FlowFile) -> FlowResult:
        """The permission check, then each top-level step from where this run starts."""
        carried, progress = run.carried, self._progress
        assert progress is not None
        if carried is None and run.called_by is None:
            await self._check_starter(run)
        outputs = dict(carried.outputs) if carried else {}
        runner = StepRunner(run, outputs, progress, FlowWorkflow.run)
        start = carried.position if carried else 0
        try:
            for index in range(start, len(flow.steps)):
                if index > start and self._should_continue(run, index - start):
                    await self._continue_as_new(run, runner, index)
                await runner.run_step(flow.steps[index])
            results = _outputs(flow, runner)
        except StepFailed as failed:
            await self._fail(run, flow, runner, failed)
        progress.finish("completed")
        return FlowResult(flow=run.name, outputs=results)

    async def _check_starter(self, run: FlowRun) -> None:
        """Whoever started the flow from Slack or the webhook may, per the policy file (the
        workflow is the authority; starters check first only to answer at once)."""
        user = run.started_by
        if not SLACK_USER.match(user):
            return  # a terminal user or the webhook: checked (or trusted) where it started
        answer = await workflow.execute_activity_method(
            PolicyEngine.flow_starters,
            FlowStartersInput(flow=run.name),
            start_to_close_timeout=CHECK_TIMEOUT,
            retry_policy=CHECK_RETRY,
        )
        users: list[str] = []
        if answer.starters:
            resolved = await workflow.execute_activity_method(
                SlackActivities.resolve_approvers,
                ResolveApproversInput(ids=answer.starters),
                start_to_close_timeout=CHECK_TIMEOUT,
                retry_policy=CHECK_RETRY,
            )
            users = resolved.user_ids
        if user not in users:
            reason = (
                "no entry of the policy's flows list names it"
                if answer.starters is None
                else "they are not among the policy's starters of it"
            )
            message = f"{user} may not start flow {run.name}: {reason}"
            assert self._progress is not None
            self._progress.finish("permission", message)
            raise ApplicationError(message, type=START_REFUSED, non_retryable=True)

    @staticmethod
    def _should_continue(run: FlowRun, done: int) -> bool:
        every = run.steps_per_run
        return workflow.info().is_continue_as_new_suggested() or (
            every is not None and done >= every
        )

    async def _continue_as_new(self, run: FlowRun, runner: StepRunner, index: int) -> NoReturn:
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self._progress is not None
        carried = FlowCarried(
            outputs=runner.outputs, position=index, states=self._progress.states()
        )
        workflow.continue_as_new(run.model_copy(update={"carried": carried}))

    async def _fail(
        self, run: FlowRun, flow: FlowFile, runner: StepRunner, failed: StepFailed
    ) -> NoReturn:
        """on_failure's steps (each, even after one fails), a notice, then the failure."""
        problems = []
        for step in flow.on_failure:
            try:
                await runner.run_step(step)
            except StepFailed as also:
                problems.append(f"{also.step}: {also.message}")
        await self._notice(run, flow, failed, problems)
        assert self._progress is not None
        self._progress.finish(failed.step, failed.message)
        raise ApplicationError(
            f"flow {run.name} failed at step {failed.step}: {failed.message}",
            type=STEP_FAILED,
            non_retryable=True,
        )

    async def _notice(
        self, run: FlowRun, flow: FlowFile, failed: StepFailed, problems: list[str]
    ) -> None:
        defaults = await workflow.execute_activity_method(
            PolicyEngine.approval_defaults,
            start_to_close_timeout=CHECK_TIMEOUT,
            retry_policy=CHECK_RETRY,
        )
        lines = [
            f":x: Flow *{escape(run.name)}* (`{escape(workflow.info().workflow_id)}`) failed at "
            f"step *{escape(failed.step)}*: {escape(failed.message)}"
        ]
        if flow.on_failure:
            names = ", ".join(escape(step.name) for step in flow.on_failure)
            lines.append(f"on_failure ran: {names}.")
        lines += [f"on_failure step {escape(problem)}" for problem in problems]
        await post_mrkdwn_notice(defaults.channel, "\n".join(lines), NOTIFY, "flow failure")


def _flow_file(run: FlowRun) -> FlowFile:
    """The flow as validated when it was started (data, not YAML)."""
    try:
        return FlowFile.model_validate(run.flow)
    except ValidationError as err:
        raise ApplicationError(
            f"flow {run.name} is not valid flow data: {err.errors()[0]['msg']}",
            type=INVALID_FLOW,
            non_retryable=True,
        ) from None


def _with_defaults(flow: FlowFile, given: dict[str, Any]) -> dict[str, Any]:
    """Every input the flow declares: as given, else its default."""
    return {name: given.get(name, spec.default) for name, spec in flow.inputs.items()}


def _outputs(flow: FlowFile, runner: StepRunner) -> dict[str, Any]:
    """The flow's ``outputs``, rendered once every step is done."""
    try:
        return {name: value.value(runner.scope) for name, value in flow.outputs.items()}
    except ExpressionError as err:
        raise StepFailed("outputs", f"expression error: {err.message}") from None
