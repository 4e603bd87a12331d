"""The input of a periodic job's claim (:mod:`orchestration.workflows.job_claim`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class JobClaimInput(BaseModel):
    """Which job, for which period, claimed by which bot process."""

    job: str = Field(min_length=1, max_length=64)
    period: datetime
    claimed_by: str = Field(default="", max_length=200)
