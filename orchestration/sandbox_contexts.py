"""The sandbox runner that answers payload contexts without entering the sandbox (see
:mod:`orchestration.sandbox`). It subclasses private parts of temporalio, so it lives apart:
:mod:`orchestration.sandbox` imports it only when the SDK is laid out as expected.
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
