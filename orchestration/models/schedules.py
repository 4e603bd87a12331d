"""Models of timed schedule pauses."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel


class TimedPauseInput(BaseModel):
    """Unpause a schedule at ``until``, if nobody changed its pause meanwhile."""

    schedule_id: str
    until: datetime
    paused_for: timedelta
    pause_note: str
    paused_by: str
    channel: str | None = None


class UnpauseInput(BaseModel):
    """Unpause ``schedule_id`` only if it is still paused with ``expected_note``."""

    schedule_id: str
    expected_note: str
    note: str
