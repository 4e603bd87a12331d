"""Local endpoints the example flows call under ``chatops up --demo``: refunds and production
changes, kept in memory, so a flow's ``http`` steps have something real to call with no network.

- ``POST /demo/refunds`` ``{"order_id", "amount"}``: 201 with the refund; ``GET`` lists them.
- ``POST /demo/changes`` ``{"change", "service", "fail"}``: 200 with the applied change, or
  500 when ``fail`` is true (so a flow's rollback can be seen); ``GET`` lists them.
- ``POST /demo/changes/rollback`` ``{"change"}``: 200, the change marked rolled back.

Bodies are bounded and validated: a bad one gets 400 naming the problem.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

DEMO_PATH = "/demo"
MAX_BODY = 16 * 1024

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = TypeVar("Body", bound=BaseModel)


class RefundAsked(BaseModel):
    """A refund the refund flow asks for."""

    model_config = ConfigDict(extra="ignore")

    order_id: Text
    amount: Decimal = Field(gt=0, le=Decimal("1e9"))


class ChangeAsked(BaseModel):
    """A production change to apply; ``fail`` makes the demo's apply fail."""

    model_config = ConfigDict(extra="ignore")

    change: Text
    service: Text = "web"
    fail: bool = False


class RollbackAsked(BaseModel):
    """Undo an applied (or failed) change."""

    model_config = ConfigDict(extra="ignore")

    change: Text


class DemoApi:
    """The demo's refunds and changes, in memory for the life of the bot."""

    def __init__(self) -> None:
        self.refunds: list[dict[str, Any]] = []
        self.changes: dict[str, dict[str, Any]] = {}
        self._numbers = itertools.count(1)

    def routes(self) -> list[web.RouteDef]:
        """The routes under :data:`DEMO_PATH`."""
        return [
            web.post(f"{DEMO_PATH}/refunds", self.refund),
            web.get(f"{DEMO_PATH}/refunds", self.list_refunds),
            web.post(f"{DEMO_PATH}/changes", self.apply_change),
            web.get(f"{DEMO_PATH}/changes", self.list_changes),
            web.post(f"{DEMO_PATH}/changes/rollback", self.rollback),
        ]

    async def refund(self, request: web.Request) -> web.Response:
        asked = await _read(request, RefundAsked)
        refund = {
            "refund_id": f"RF-{next(self._numbers):05d}",
            "order_id": asked.order_id,
            "amount": str(asked.amount),
        }
        self.refunds.append(refund)
        return web.json_response(refund, status=201)

    async def list_refunds(self, _: web.Request) -> web.Response:
        return web.json_response({"refunds": self.refunds})

    async def apply_change(self, request: web.Request) -> web.Response:
        asked = await _read(request, ChangeAsked)
        state = "failed" if asked.fail else "applied"
        change = {"change": asked.change, "service": asked.service, "state": state}
        self.changes[asked.change] = change
        if asked.fail:
            return web.json_response({"error": "the change failed to apply", **change}, status=500)
        return web.json_response(change)

    async def list_changes(self, _: web.Request) -> web.Response:
        return web.json_response({"changes": list(self.changes.values())})

    async def rollback(self, request: web.Request) -> web.Response:
        asked = await _read(request, RollbackAsked)
        change = self.changes.get(asked.change)
        if change is None:
            raise _problem(404, f"no change named {asked.change!r} was applied")
        change["state"] = "rolled back"
        return web.json_response(change)


async def _read(request: web.Request, model: type[Body]) -> Body:
    """The request's JSON body as ``model``; raises 400/413 answers for anything else."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise _problem(413, f"a body is at most {MAX_BODY} bytes")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise _problem(413, f"a body is at most {MAX_BODY} bytes")
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as err:
        if isinstance(err, ValidationError):
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise _problem(400, f"{where}: {first['msg']}") from None
        raise _problem(400, "the body is not JSON") from None


def _problem(status: int, message: str) -> web.HTTPException:
    """An aiohttp answer with ``{"error": message}``, to raise."""
    text, kind = json.dumps({"error": message}), "application/json"
    if status == 413:
        return web.HTTPRequestEntityTooLarge(MAX_BODY, MAX_BODY + 1, text=text, content_type=kind)
    if status == 404:
        return web.HTTPNotFound(text=text, content_type=kind)
    return web.HTTPBadRequest(text=text, content_type=kind)
