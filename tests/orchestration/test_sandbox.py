"""The worker's sandbox answers payload contexts without entering the sandbox, and answers them
as the stock sandbox does. Workflows running in it end to end are every system test's concern;
here, what the SDK asks of a workflow instance besides its activations."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import CommandType
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox._runner import _fake_info
from temporalio.worker.workflow_sandbox._runner import _Instance as StockInstance

from orchestration.sandbox import ChatopsSandboxRunner
from orchestration.worker import WORKFLOWS, sandbox_runner
from orchestration.workflows.order import OrderWorkflow
from orchestration.workflows.schedule_pause import TimedPauseWorkflow


def details(cls: type = TimedPauseWorkflow) -> WorkflowInstanceDetails:
    """A workflow instance as the SDK makes one to check a workflow (no server needed)."""
    return WorkflowInstanceDetails(
        payload_converter_factory=pydantic_data_converter._new_payload_converter,
        failure_converter_class=pydantic_data_converter.failure_converter_class,
        interceptor_classes=[],
        defn=workflow._Definition.must_from_class(cls),
        info=_fake_info,
        randomness_seed=1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=Failure(),
    )


def never_entered(*_: Any, **__: Any) -> None:
    raise AssertionError("the sandbox was entered")


COMMANDS = [
    None,
    CommandInfo(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, 1),
    CommandInfo(CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, 2),
]


@pytest.mark.parametrize("command", COMMANDS)
async def test_payload_contexts_come_without_entering_the_sandbox(
    command: CommandInfo | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(sandbox_runner(), ChatopsSandboxRunner)
    instance = sandbox_runner().create_instance(details())
    stock_context = StockInstance.get_serialization_context(instance, command)  # type: ignore[arg-type]
    stock_store = StockInstance.get_external_store_context(instance, command)  # type: ignore[arg-type]
    monkeypatch.setattr(instance, "_run_code", never_entered)
    assert instance.get_serialization_context(command) == stock_context
    assert instance.get_external_store_context(command) == stock_store
    assert stock_context is not None
    assert stock_context.workflow_id == _fake_info.workflow_id  # type: ignore[attr-defined]


async def test_activations_still_enter_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = sandbox_runner().create_instance(details())
    monkeypatch.setattr(instance, "_run_code", never_entered)
    with pytest.raises(AssertionError, match="the sandbox was entered"):
        instance.activate(None)  # type: ignore[arg-type]


def imported_anew(cls: type, strict: bool) -> set[str]:
    """The project's modules a new run of ``cls`` imports anew inside the sandbox."""
    instance: Any = sandbox_runner(strict).create_instance(details(cls))
    return {
        name
        for name, module in instance.importer.new_modules.items()
        if name.startswith("orchestration.") and module is not sys.modules.get(name)
    }


@pytest.mark.parametrize("cls", WORKFLOWS, ids=lambda cls: cls.__name__)
async def test_a_run_imports_anew_only_workflow_modules(cls: type) -> None:
    workflow_modules = {c.__module__ for c in WORKFLOWS} | {"orchestration.workflows"}
    # orchestration.ask keeps a count per asking workflow: sandboxed on purpose.
    assert imported_anew(cls, strict=False) <= workflow_modules | {"orchestration.ask"}
    assert cls.__module__ in imported_anew(cls, strict=False)


async def test_strict_runs_import_the_shared_logic_anew_too() -> None:
    anew = imported_anew(OrderWorkflow, strict=True)
    assert {"orchestration.approval", "orchestration.saga"} <= anew
