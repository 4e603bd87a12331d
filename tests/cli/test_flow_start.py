"""``chatops flow start``, run as a real process: the workflow id on stdout, outputs with
``--wait``, the terminal user as the starter, and one clear line for a refused start."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from orchestration.models.flow import FlowResult
from tests.cli.test_cli import chatops
from tests.helpers import unique
from tests.stack import Stack
from tests.system.flow_stack import (  # noqa: F401 (fixtures)
    Service,
    flow_worker,
    service_fixture,
    write_flow,
)

ECHO = """\
inputs:
  ticket: {type: string}
  times: {type: integer, default: 1}
steps:
  - name: fetch
    http: {method: GET, url: "URL/echo/{{ inputs.ticket }}"}
outputs:
  echo: "{{ steps.fetch.body.echo }}"
  times: "{{ inputs.times }}"
"""


def flow_env(cli_env: dict[str, str], service: Service, tmp_path: Path) -> dict[str, str]:
    return {
        **cli_env,
        "CHATOPS_FLOWS_DIR": str(tmp_path / "flows"),
        "CHATOPS_POLICY_FILE": str(tmp_path / "policy.yml"),
        "CHATOPS_FLOW_HTTP_ALLOW": service.prefix,
    }


async def test_flow_start_prints_the_id_and_with_wait_the_outputs(
    stack: Stack, service: Service, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    write_flow(tmp_path, "echo", ECHO.replace("URL/", service.prefix))
    env = flow_env(cli_env, service, tmp_path)
    run = await chatops(
        "flow", "start", "echo", "--input", "ticket=T 1", "--input", "times=3", "--wait", env=env
    )
    assert run.code == 0, run.err
    workflow_id, outputs = run.out.strip().splitlines()
    assert workflow_id.startswith("flow-echo-") and len(workflow_id) == len("flow-echo-") + 8
    assert json.loads(outputs) == {"echo": "/api/echo/T%201", "times": 3}
    handle = stack.client.get_workflow_handle(workflow_id, result_type=FlowResult)
    stack.started.append(handle)
    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    assert json.loads(started.input.payloads[0].data)["started_by"] == f"cli:{getpass.getuser()}"


async def test_flow_start_refuses_a_bad_input_or_a_used_key_in_one_line(
    stack: Stack, service: Service, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    write_flow(tmp_path, "echo", ECHO.replace("URL/", service.prefix))
    env = flow_env(cli_env, service, tmp_path)
    bad = await chatops("flow", "start", "echo", "--input", "times=3", env=env)
    assert (bad.code, bad.out) == (1, "")
    assert bad.err == "error: flow echo: input 'ticket' is required (string)\n"
    key = unique("T")
    args = ("flow", "start", "echo", "--input", "ticket=T2", "--key", key)
    first = await chatops(*args, env=env)
    assert (first.code, first.out) == (0, f"flow-echo-{key}\n"), first.err
    stack.started.append(stack.client.get_workflow_handle(f"flow-echo-{key}"))
    again = await chatops(*args, env=env)
    assert again.code == 1
    assert again.err == f"error: flow echo already started as flow-echo-{key}\n"
