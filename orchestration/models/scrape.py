"""Models of the scrape job."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ScrapeInput(BaseModel):
    """What one scrape run fetches, where it writes, and where it reports."""

    sources: list[str] = Field(min_length=1, max_length=100)
    output_dir: str
    channel: str = "general"


class FetchInput(BaseModel):
    """Fetch one source."""

    url: str


class FetchResult(BaseModel):
    """One source's outcome: what came back, or why nothing did."""

    url: str
    ok: bool
    status: int | None = None
    size: int = 0
    title: str | None = None
    error: str | None = None


class ScrapeReport(BaseModel):
    """A whole run: every source's outcome and the file it was written to."""

    started_at: datetime
    results: list[FetchResult]
    output_file: str | None = None

    @property
    def succeeded(self) -> int:
        """How many sources answered."""
        return sum(r.ok for r in self.results)


class WriteReportInput(BaseModel):
    """Write a run's report under ``output_dir``."""

    report: ScrapeReport
    output_dir: str
