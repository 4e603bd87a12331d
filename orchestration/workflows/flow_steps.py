"""Running a flow's steps, each kind as docs/flows.md promises: ``http`` through the
``flow_http`` activity, ``approval`` through ``RequestApproval``, ``notify`` as a notice,
``wait`` as a timer, ``branch`` and ``parallel`` here, ``call_flow`` as a child ``Flow``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
)

from orchestration.ask import request_approval
from orchestration.failures import activity_failure_message
from orchestration.notes import NoteDelivery, post_mrkdwn_notice
from orchestration.workflows.flow_progress import FlowProgress

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.flow_http import FlowHttp
    from orchestration.flows import render
    from orchestration.flows.expressions import ExpressionError
    from orchestration.flows.models import walk_steps
    from orchestration.flows.steps import (
        WAIT_FOR,
        ApprovalStep,
        BranchStep,
        CallFlowStep,
        HttpStep,
        NotifyStep,
        ParallelStep,
        StepBase,
        WaitStep,
    )
    from orchestration.models.flow import FlowResult, FlowRun
    from orchestration.models.flow_http import HttpCall

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")
HTTP_INTERVAL = timedelta(seconds=1)
HTTP_MAX_INTERVAL = timedelta(seconds=30)
NOTIFY = NoteDelivery(
    timeout=timedelta(seconds=20),
    window=timedelta(minutes=10),
    retry=RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
    ),
)

Outputs = dict[str, Any]
ChildRun = Callable[[Any, FlowRun], Awaitable[FlowResult]]


class StepFailed(Exception):
    """A step that failed: its name and what went wrong, in words."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"step {step}: {message}")
        self.step = step
        self.message = message


class StepRunner:
    """Runs steps against one flow's inputs and the outputs of the steps done so far."""

    def __init__(
        self, run: FlowRun, outputs: dict[str, Outputs], progress: FlowProgress, child: ChildRun
    ) -> None:
        self.run = run
        self.outputs = outputs
        self.progress = progress
        self._child = child

    @property
    def scope(self) -> dict[str, Any]:
        """What expressions see: ``inputs`` and ``steps``."""
        return {"inputs": self.run.inputs, "steps": self.outputs}

    async def run_steps(self, steps: list[StepBase]) -> None:
        """Each step in order; the first failure stops them."""
        for step in steps:
            await self.run_step(step)

    async def run_step(self, step: StepBase) -> None:
        """One step; its failure is a :class:`StepFailed` naming the step that failed."""
        self.progress.set(step.name, "running")
        try:
            outputs, result = await self._kind(step)
        except StepFailed as failed:
            inner = failed.step != step.name
            self.progress.set(
                step.name, "failed", f"{failed.step} failed" if inner else failed.message
            )
            raise
        except ExpressionError as err:
            raise self._failed(step, f"expression error: {err.message}") from None
        except (ActivityError, ChildWorkflowError, ApplicationError) as err:
            if isinstance(err.cause, CancelledError):
                raise  # the flow was cancelled: no on_failure, no notice
            raise self._failed(step, activity_failure_message(err)) from None
        except ValidationError as err:
            raise self._failed(step, f"not a valid call: {err.errors()[0]['msg']}") from None
        self.outputs[step.name] = outputs
        self.progress.set(step.name, "done", result)

    def _failed(self, step: StepBase, message: str) -> StepFailed:
        self.progress.set(step.name, "failed", message)
        return StepFailed(step.name, message)

    async def _kind(self, step: StepBase) -> tuple[Outputs, str]:
        """Run the step by its kind: ``_http`` for an ``http`` step, and so on."""
        run: Callable[[StepBase], Awaitable[tuple[Outputs, str]]] = getattr(self, f"_{step.kind}")
        return await run(step)

    async def _http(self, step: HttpStep) -> tuple[Outputs, str]:
        call, scope = step.http, self.scope
        request = HttpCall(
            step=step.name,
            method=call.method,
            url=render.render_url(call.url, scope),
            headers={
                name: render.render_header(value, scope) for name, value in call.headers.items()
            },
            body=render.render_json(call.body, scope),
            expect=list(call.expect or []),
            timeout_seconds=call.timeout.total_seconds(),
        )
        answer = await workflow.execute_activity_method(
            FlowHttp.flow_http,
            request,
            start_to_close_timeout=call.timeout,
            retry_policy=RetryPolicy(
                initial_interval=HTTP_INTERVAL,
                maximum_interval=HTTP_MAX_INTERVAL,
                maximum_attempts=call.retries + 1,
            ),
        )
        return answer.model_dump(mode="json"), f"HTTP {answer.status}"

    async def _approval(self, step: ApprovalStep) -> tuple[Outputs, str]:
        call, scope = step.approval, self.scope
        arguments = render.render_json(call.arguments, scope)
        if arguments is not None and not isinstance(arguments, dict):
            raise StepFailed(step.name, "arguments must be an object")
        started_by = self.run.started_by
        info = workflow.info()
        answer = await request_approval(
            kind=call.kind,
            title=call.title.render(scope),
            fields={label: value.render(scope) for label, value in call.fields.items()},
            attributes={name: value.render(scope) for name, value in call.attributes.items()},
            requested_by=started_by if SLACK_USER.match(started_by) else None,
            arguments=arguments,
            task_queue=info.task_queue,
            id=f"{info.workflow_id}-{step.name}",
        )
        outcome = answer.outcome.value
        outputs = {
            "outcome": outcome,
            "approved_by": list(answer.approved_by),
            "rejected_by": answer.rejected_by or "",
            "reason": answer.reason,
            "arguments": answer.arguments or {},
        }
        self.outputs[step.name] = outputs  # on_failure may read why it was not approved
        result = outcome + (f": {answer.reason}" if answer.reason else "")
        if outcome != "approved" and call.if_not_approved == "stop":
            raise StepFailed(step.name, f"not approved ({result})")
        return outputs, result

    async def _notify(self, step: NotifyStep) -> tuple[Outputs, str]:
        call = step.notify
        text = render.render_mrkdwn(call.text, self.scope)
        problem = await post_mrkdwn_notice(call.channel, text, NOTIFY, f"step {step.name}")
        if problem is not None:
            raise StepFailed(step.name, f"could not post to {call.channel}: {problem}")
        return {}, f"posted to {call.channel}"

    async def _wait(self, step: WaitStep) -> tuple[Outputs, str]:
        call = step.wait
        if call.for_ is not None:
            await workflow.sleep(call.for_)
            return {}, f"waited {call.for_}"
        assert call.until is not None
        moment = render.parse_moment(call.until.render(self.scope))
        delay = moment - workflow.now()
        if delay > WAIT_FOR.at_most:
            raise StepFailed(step.name, f"{moment.isoformat()} is further than {WAIT_FOR.at_most}")
        if delay > timedelta(0):
            await workflow.sleep(delay)
        return {}, f"until {moment.isoformat()}"

    async def _branch(self, step: BranchStep) -> tuple[Outputs, str]:
        call = step.branch
        holds = call.if_.evaluate(self.scope)
        if not isinstance(holds, bool):
            raise StepFailed(step.name, f"if gave {type(holds).__name__}, not a boolean")
        taken, other = ("then", call.then) if holds else ("else", call.else_)
        for _, skipped, _ in walk_steps(list(call.else_ if holds else call.then), ()):
            self.progress.set(skipped.name, "skipped")
        self.outputs[step.name] = {"taken": taken}
        await self.run_steps(list(other))
        return {"taken": taken}, f"took {taken}"

    async def _parallel(self, step: ParallelStep) -> tuple[Outputs, str]:
        inner = step.parallel.steps
        # Every step finishes (or fails) before the flow goes on, or on to on_failure.
        ended = await asyncio.gather(
            *(self.run_step(each) for each in inner), return_exceptions=True
        )
        for outcome in ended:
            if isinstance(outcome, BaseException):
                raise outcome
        return {}, f"{len(inner)} steps done"

    async def _call_flow(self, step: CallFlowStep) -> tuple[Outputs, str]:
        call, run = step.call_flow, self.run
        called = run.called.get(call.flow)
        if called is None:
            raise StepFailed(step.name, f"flow {call.flow} was not read when this flow started")
        info = workflow.info()
        child = FlowRun(
            name=call.flow,
            flow=called.flow,
            content_hash=called.content_hash,
            called=run.called,
            inputs={name: value.value(self.scope) for name, value in call.inputs.items()},
            started_by=run.started_by,
            called_by=info.workflow_id,
            search_attributes=run.search_attributes,
        )
        result = await workflow.execute_child_workflow(
            self._child, child, id=f"{info.workflow_id}-{step.name}", task_queue=info.task_queue
        )
        return dict(result.outputs), f"flow {call.flow} done"
