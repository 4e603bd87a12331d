"""The JSON Schemas of ``RequestApproval``'s input and result, generated from the models.

Regenerate the published copies after changing :mod:`orchestration.models.request`::

    python -m orchestration.models.request_schema docs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from orchestration.models.request import RequestApprovalInput, RequestApprovalResult

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILES = {
    "request-approval.input.schema.json": lambda: RequestApprovalInput.model_json_schema(
        mode="validation"
    ),
    "request-approval.result.schema.json": lambda: RequestApprovalResult.model_json_schema(
        mode="serialization"
    ),
}


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, as published in ``docs/``."""
    return {name: {"$schema": DIALECT, **build()} for name, build in FILES.items()}


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as its file holds it."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write every schema into the directory given (``docs``)."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m orchestration.models.request_schema DIRECTORY\n")
        return 2
    for name, schema in schemas().items():
        (Path(argv[0]) / name).write_text(schema_text(schema), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
