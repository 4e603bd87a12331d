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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio.converter import SerializationContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance as SandboxedInstance

# Where the stock runner keeps the instance that lives inside the sandbox.
IN_SANDBOX = "__temporal_in_sandbox"


class _Instance(SandboxedInstance):
    """A sandboxed workflow whose payload contexts are read without entering the sandbox."""

    def _inside(self) -> Any | None:
        inside = self.globals_and_locals.get(IN_SANDBOX)
        return inside if hasattr(inside, "get_serialization_context") else None

    def get_serialization_context(
        self, command_info: CommandInfo | None
    ) -> SerializationContext | None:
        inside = self._inside()
        if inside is None:
            return super().get_serialization_context(command_info)
        context: SerializationContext | None = inside.get_serialization_context(command_info)
        return context

    def get_external_store_context(self, command_info: CommandInfo | None) -> Any:
        inside = self._inside()
        if inside is None or not hasattr(inside, "get_external_store_context"):
            return super().get_external_store_context(command_info)
        return inside.get_external_store_context(command_info)


@dataclass(frozen=True)
class ChatopsSandboxRunner(SandboxedWorkflowRunner):
    """The stock sandbox, answering payload contexts outside it (see the module's doc)."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(det, self.runner_class, self.restrictions)
