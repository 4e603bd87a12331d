"""A flow's ``wait until`` a time still ahead: a durable timer for the time left, judged from the
workflow's history, not from the test's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType

from tests.stack import Stack
from tests.system.flow_stack import (  # noqa: F401 (fixtures)
    Service,
    flow_worker,
    memo_status,
    service_fixture,
    start,
    states,
    write_flow,
)

LATER = """\
inputs:
  at: {type: string}
steps:
  - name: until_then
    wait: {until: "{{ inputs.at }}"}
  - name: fetch
    http: {method: GET, url: "URL/echo/after"}
outputs:
  status: "{{ steps.fetch.status }}"
"""


async def test_a_wait_until_a_later_time_sets_a_timer_for_the_time_left(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_flow(tmp_path, "later", LATER.replace("URL/", service.prefix))
    at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    handle = await start(stack, service, tmp_path, "later", {"at": at.isoformat()})
    result = await handle.result()
    assert result.outputs == {"status": 200}
    timers = [
        event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    # One timer, for what was left of the 3 s when the step ran (never more, and not nothing).
    assert len(timers) == 1 and timedelta(0) < timers[0] <= timedelta(seconds=3), timers
    assert states(await memo_status(handle)) == {"until_then": "done", "fetch": "done"}
    assert [call["path"] for call in service.calls] == ["/api/echo/after"]
