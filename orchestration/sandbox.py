"""The workflow sandbox as the worker runs it.

Workflow code runs in temporalio's sandbox, which re-imports workflow modules for each run and
restricts what they may call. Besides each activation, the SDK asks a workflow for the
serialization context of every payload it decodes or encodes (activity results, memo,
search attributes, activity inputs), and the stock runner answers each question by entering
the sandbox: an ``exec`` with the sandbox's imports and builtins swapped in. Profiled on an
order (about 85 such entries from its decision to its end), that was a fifth of the worker's
CPU, more than the workflow code itself.

The answer is read from the SDK's own workflow instance, which only looks up the pending
command the payload belongs to: no workflow code runs, so there is nothing to sandbox.
Activations still run inside the sandbox, exactly as before. When the SDK's sandbox is not
laid out as this expects (a later SDK), the stock path is used.

The sandbox also imports anew, for every workflow run, each module the workflow imports that
is not passed through. The workflows' shared logic (the approval gate, the saga, notes, an
order's steps) is deterministic and keeps no state of its own, so the worker passes it
through: imported once, not once per run. Measured per OrderWorkflow run: 243 KB -> 60 KB of
memory (tracemalloc), 59 ms -> 15 ms of CPU to create it. The workflows' own modules stay
sandboxed, and the replay tests run everything sandboxed (``strict``), so the sandbox's
restrictions still check that logic on every recorded path.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

try:  # private parts of the SDK: a later release may lay them out differently
    from orchestration.sandbox_contexts import ChatopsSandboxRunner

    LAID_OUT_AS_EXPECTED = True
except ImportError:  # pragma: no cover - then the stock runner answers, inside the sandbox
    LAID_OUT_AS_EXPECTED = False

# What pydantic imports lazily (e-mail checks); importing it inside the sandbox on every run
# would be slow, and warns. OpenTelemetry, which Temporal's tracing interceptor uses inside
# workflows when tracing is on: its context must be the one outside the sandbox, as the SDK's
# own OpenTelemetry plugin passes it through.
LAZY_IMPORTS = ("email_validator", "idna", "opentelemetry")
# The workflows' shared logic, imported once per worker (see above). Not orchestration.ask,
# which keeps a count per asking workflow, nor any module that defines a workflow.
WORKFLOW_SUPPORT = (
    "orchestration.approval",
    "orchestration.approval_card",
    "orchestration.approval_copies",
    "orchestration.approval_state",
    "orchestration.failures",
    "orchestration.metrics",
    "orchestration.notes",
    "orchestration.outcomes",
    "orchestration.policy",
    "orchestration.saga",
    "orchestration.search_attributes",
    "orchestration.workflows.flow_progress",
    # Passes every RequestApproval its id, so orchestration.ask's count is never used here.
    "orchestration.workflows.flow_steps",
    "orchestration.workflows.order_amendments",
    "orchestration.workflows.order_request",
    "orchestration.workflows.order_steps",
)


def sandbox_runner(strict: bool = False) -> SandboxedWorkflowRunner:
    """The worker's sandbox; ``strict``: with the workflows' shared logic sandboxed too,
    imported anew for each run as the stock sandbox would (the replay tests use it)."""
    passed = LAZY_IMPORTS if strict else LAZY_IMPORTS + WORKFLOW_SUPPORT
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*passed)
    if not LAID_OUT_AS_EXPECTED:
        return SandboxedWorkflowRunner(restrictions=restrictions)
    return ChatopsSandboxRunner(restrictions=restrictions)
