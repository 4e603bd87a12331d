"""Canonical JSON and SHA-256 digests: one byte-exact form of a value, so anyone can recompute
a digest (the audit's request digests and hash chain; docs/audit.md)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys, no spaces, and non-ASCII escaped (``\\uXXXX``)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sha256_hex(text: str) -> str:
    """The SHA-256 of ``text`` (UTF-8), as 64 lowercase hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_digest(model: BaseModel) -> str:
    """The SHA-256 of a model's canonical JSON (its JSON-mode dump: times and durations as
    ISO 8601 text)."""
    return sha256_hex(canonical_json(model.model_dump(mode="json")))
