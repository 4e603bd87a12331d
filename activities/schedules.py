"""Schedule changes made by workflows (a timed pause ending), through the activity's client."""

from __future__ import annotations

from temporalio import activity
from temporalio.service import RPCError, RPCStatusCode

from orchestration.models.schedules import UnpauseInput


@activity.defn
async def unpause_schedule(request: UnpauseInput) -> bool:
    """Unpause if the schedule is still paused by the pause that set this timer.

    Returns False (and changes nothing) when someone unpaused it, paused it again with another
    note, or deleted it meanwhile.
    """
    handle = activity.client().get_schedule_handle(request.schedule_id)
    try:
        description = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    state = description.schedule.state
    if not state.paused or state.note != request.expected_note:
        return False
    await handle.unpause(note=request.note)
    return True
