"""Where a running flow is: each step's state and a short result, answered by the ``status``
query and kept in the memo (``status``) at every step boundary, so ``/workflow status`` shows
the steps with no worker running. The memo holds a bounded window of the steps."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orchestration.flows.models import FlowFile, all_steps
    from orchestration.models.flow import MAX_RESULT, FlowStatus, StepState, StepStateName

MEMO_KEY = "status"
# The most steps the memo lists: those around the current one (a long flow's memo, written
# at every step boundary, stays small).
MEMO_STEPS = 30
MEMO_BEFORE = 20
CONTAINERS = ("branch", "parallel")


def short(text: str) -> str:
    """``text`` cut to the length a step's result keeps."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_RESULT else text[: MAX_RESULT - 1] + "…"


class FlowProgress:
    """Each step's state, in the file's order (``steps``, then ``on_failure``)."""

    def __init__(self, name: str, content_hash: str, flow: FlowFile, carried: list[StepState]):
        self.name = name
        self.content_hash = content_hash
        known = {state.name: state for state in carried}
        self._states = {
            step.name: known.get(step.name) or StepState(name=step.name, kind=step.kind)
            for _, step, _ in all_steps(flow)
        }
        self._running: list[str] = []
        self._last: str | None = None
        self._failure: str | None = None

    def states(self) -> list[StepState]:
        """Every step's state, in order."""
        return list(self._states.values())

    def set(self, name: str, state: StepStateName, result: str = "") -> None:
        """Record ``name``'s new state (and publish it, unless it is merely skipped)."""
        self._states[name] = self._states[name].model_copy(
            update={"state": state, "result": short(result)}
        )
        if state == "running":
            self._running.append(name)
        elif name in self._running:
            self._running.remove(name)
        if state != "skipped":
            self._last = name
            self.publish()

    def finish(self, step: str, failure: str | None = None) -> None:
        """The flow's end: ``completed``, or the failing step and why."""
        self._running.clear()
        self._last = step
        self._failure = None if failure is None else short(failure)
        self.publish()

    def status(self) -> FlowStatus:
        """Every step, and the one running now (several in a ``parallel``)."""
        return self._status(self.states(), 0)

    def publish(self) -> None:
        """The memo's copy of :meth:`status`, cut to a window around the current step."""
        states = self.states()
        shown = states
        if len(states) > MEMO_STEPS:
            reached = [i for i, state in enumerate(states) if state.state != "pending"]
            start = max(0, (reached[-1] if reached else 0) - MEMO_BEFORE)
            shown = states[start : start + MEMO_STEPS]
        status = self._status(shown, len(states) - len(shown))
        workflow.upsert_memo({MEMO_KEY: status.model_dump(mode="json")})

    def _status(self, states: list[StepState], more: int) -> FlowStatus:
        # The steps doing something: a branch or parallel is running while its steps are.
        doing = [name for name in self._running if self._states[name].kind not in CONTAINERS]
        step = ", ".join(doing or self._running) or self._last
        return FlowStatus(
            flow=self.name,
            content_hash=self.content_hash,
            step=step,
            failure_reason=self._failure,
            steps=states,
            more_steps=more,
        )
