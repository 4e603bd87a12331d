"""The JSON Schema of flow files, generated from :class:`~orchestration.flows.models.FlowFile`.

Editors use it to check and complete ``flows/*.yml`` (e.g. a ``# yaml-language-server:
$schema=...`` comment). Regenerate the published copy after changing the models::

    python -m orchestration.flows.schema docs
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from orchestration.flows.models import FlowFile
from orchestration.models.request_schema import DIALECT, schema_text

FILE_NAME = "flow.schema.json"


def flow_schema() -> dict[str, Any]:
    """The schema, as published in ``docs/``."""
    return {"$schema": DIALECT, **FlowFile.model_json_schema(mode="validation", by_alias=True)}


def main(argv: list[str]) -> int:
    """Write the schema into the directory given (``docs``)."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m orchestration.flows.schema DIRECTORY\n")
        return 2
    (Path(argv[0]) / FILE_NAME).write_text(schema_text(flow_schema()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
