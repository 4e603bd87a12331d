"""The scrape job's side effects: fetch a source over HTTP, write the run's report as JSON."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestration.models.scrape import FetchInput, FetchResult, WriteReportInput

FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15)
MAX_BODY = 5 * 1024 * 1024
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass
class Scraper:
    """Fetches sources and keeps reports under ``output_dir`` (set per run)."""

    user_agent: str = "chatops-scrape/1"

    @activity.defn
    async def fetch_source(self, source: FetchInput) -> FetchResult:
        """GET one URL. 5xx and connection trouble are retried; 4xx is final.

        Raises:
            ApplicationError: the source did not give a usable answer.
        """
        headers = {"User-Agent": self.user_agent}
        try:
            async with (
                aiohttp.ClientSession(timeout=FETCH_TIMEOUT, headers=headers) as session,
                session.get(source.url) as response,
            ):
                body = await response.content.read(MAX_BODY)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            raise ApplicationError(f"{source.url}: {type(err).__name__}: {err}") from None
        if status >= 400:
            raise ApplicationError(
                f"{source.url}: HTTP {status}", type="HttpError", non_retryable=status < 500
            )
        text = body.decode("utf-8", "replace")
        match = _TITLE.search(text)
        title = " ".join(match.group(1).split())[:200] if match else None
        return FetchResult(url=source.url, ok=True, status=status, size=len(body), title=title)

    @activity.defn
    async def write_scrape_report(self, request: WriteReportInput) -> str:
        """Write the report as JSON next to the earlier ones; returns the file's path."""
        info, report = activity.info(), request.report
        stamp = report.started_at.strftime("%Y%m%dT%H%M%SZ")
        name = f"scrape-{stamp}-{(info.workflow_run_id or 'run')[:8]}.json"
        payload: dict[str, Any] = report.model_dump(mode="json", exclude={"output_file"})
        payload["workflow_id"] = info.workflow_id
        path = Path(request.output_dir) / name
        await asyncio.to_thread(write_json, path, payload)
        return str(path)

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity the scraper registers with a worker."""
        return [self.fetch_source, self.write_scrape_report]


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write atomically: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n")
    temporary.replace(path)
