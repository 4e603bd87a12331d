"""What a flow's ``http`` step asks its activity, and what it gets back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
# At most this much of an answer's body is kept (and recorded in the flow's history).
MAX_ANSWER_BYTES = 64 * 1024


class HttpCall(BaseModel):
    """One HTTP call, its templates already rendered by the flow."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(description="The step's name, for messages")
    method: Method
    url: str = Field(max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict, max_length=20)
    body: Any = Field(default=None, description="Sent as JSON when not null")
    expect: list[int] = Field(
        default_factory=list, description="Statuses that count as success; empty: any 2xx"
    )
    timeout_seconds: float = Field(gt=0, le=300)


class HttpAnswer(BaseModel):
    """An expected answer: its status and its body (JSON when it parses, else text)."""

    status: int
    body: Any = None
    ok: bool = True
