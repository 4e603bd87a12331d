"""Starting flows (start_flow): refusals that name what is wrong, business keys that start a
flow once, and a long flow that continues as new between its steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestration.flow_starts import FlowStartRefused, start_flow
from orchestration.flows.problems import FlowContext
from orchestration.flows.validate import validate_flow
from orchestration.models.flow import FlowResult, FlowRun
from orchestration.workflows.flow import FlowWorkflow
from tests.helpers import assert_eventually, unique
from tests.stack import Stack
from tests.system.flow_stack import (  # noqa: F401 (fixtures)
    Service,
    flow_settings,
    flow_worker,
    memo_status,
    service_fixture,
    states,
    write_flow,
)

TYPED = """\
inputs:
  count: {type: integer}
  ratio: {type: number, default: 0.5}
  dry: {type: boolean, default: false}
  env: {type: string, choices: [dev, prod], default: dev}
  note: {type: string, max_length: 5, default: ""}
steps:
  - name: pause
    wait: {for: 1s}
outputs:
  got: "{{ inputs.count }} {{ inputs.ratio }} {{ inputs.dry }} {{ inputs.env }}"
"""
BROKEN = """\
steps:
  - name: pause
    wait: {for: 1s}
  - name: pause
    notify: {channel: "#general", text: "{{ inputs.nothing }}"}
"""


@pytest.mark.parametrize(
    ("name", "inputs", "says"),
    [
        ("nope", {}, "no flow named 'nope'"),
        ("../typed", {}, "no flow named '../typed'"),
        ("broken", {}, "flow broken is not valid: broken.yml:4: steps[1].name: "),
        ("typed", {}, "flow typed: input 'count' is required (integer)"),
        ("typed", {"count": "x"}, "flow typed: input 'count' must be an integer, not 'x'"),
        ("typed", {"count": "1", "ratio": "nan"}, "input 'ratio' must be a number"),
        ("typed", {"count": "1", "dry": "maybe"}, "input 'dry' must be a boolean"),
        ("typed", {"count": "1", "env": "qa"}, "input 'env' must be one of dev, prod"),
        ("typed", {"count": "1", "note": "toolong"}, "input 'note' is longer than 5"),
        ("typed", {"count": "1", "extra": "1"}, "unknown input 'extra' (the flow takes count"),
        ("typed", {"count": True}, "input 'count' must be an integer, not True"),
    ],
)
async def test_a_start_that_does_not_fit_is_refused_naming_why(
    stack: Stack,
    service: Service,
    tmp_path: Path,
    name: str,
    inputs: dict[str, Any],
    says: str,
) -> None:
    write_flow(tmp_path, "typed", TYPED)
    write_flow(tmp_path, "broken", BROKEN)
    settings = flow_settings(stack, service, tmp_path)
    with pytest.raises(FlowStartRefused) as refused:
        await start_flow(stack.client, settings, name, inputs, started_by="cli:test")
    assert says in str(refused.value)


async def test_inputs_are_read_as_their_types_and_a_key_starts_a_flow_once(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_flow(tmp_path, "typed", TYPED)
    settings = flow_settings(stack, service, tmp_path)
    key = unique("k")
    given = {"count": "3", "ratio": "2.5", "dry": "true", "env": "prod"}
    first = await start_flow(
        stack.client, settings, "typed", given, started_by="cli:test", business_key=key
    )
    again = await start_flow(
        stack.client, settings, "typed", given, started_by="cli:test", business_key=key
    )
    assert first.workflow_id == again.workflow_id == f"flow-typed-{key}"
    assert (first.already_started, again.already_started) == (False, True)
    handle = stack.client.get_workflow_handle(first.workflow_id, result_type=FlowResult)
    stack.started.append(handle)
    assert (await handle.result()).outputs == {"got": "3 2.5 true prod"}
    with pytest.raises(FlowStartRefused, match="business key"):
        await start_flow(
            stack.client, settings, "typed", given, started_by="cli:x", business_key="a b"
        )


LONG = """\
steps:
  - name: one
    wait: {for: 1s}
  - name: two
    wait: {for: 1s}
  - name: three
    http: {method: GET, url: "URL/echo/three"}
outputs:
  three: "{{ steps.three.body.echo }}"
"""


async def test_a_long_flow_continues_as_new_between_steps_and_keeps_its_outputs(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    path = write_flow(tmp_path, "long", LONG.replace("URL/", service.prefix))
    context = FlowContext(http_allow=(service.prefix,))
    validated = validate_flow(path.read_text(), str(path), context)
    run = FlowRun(
        name="long",
        flow=validated.flow.model_dump(mode="json", by_alias=True),
        content_hash=validated.content_hash,
        started_by="cli:test",
        steps_per_run=1,
    )
    handle = await stack.client.start_workflow(
        FlowWorkflow.run, run, id=unique("flow-long"), task_queue=stack.task_queue
    )
    # The first run is the one recorded: it ends by continuing as new.
    stack.started.append(stack.client.get_workflow_handle(handle.id, run_id=handle.result_run_id))
    assert (await handle.result()).outputs == {"three": "/api/echo/three"}

    async def runs() -> list[Any]:
        return [e async for e in stack.client.list_workflows(f"WorkflowId = '{handle.id}'")]

    await assert_eventually(runs, lambda found: len(found) == 3, what="one run per step")
    status = await memo_status(handle)
    assert states(status) == {"one": "done", "two": "done", "three": "done"}
