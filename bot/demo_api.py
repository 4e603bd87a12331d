"""Local endpoints the example flows call under ``chatops up --demo``: refunds and production
changes, kept in memory, so a flow's ``http`` steps have something real to call with no network.

- ``POST /demo/refunds`` ``{"order_id", "amount"}``: 201 with the refund; ``GET`` lists them.
- ``POST /demo/changes/<id>/apply`` ``{"service", "approved_by"}``: 200 with the applied
  change, or 500 when the service is ``broken`` (so a flow's rollback can be seen); ``GET
  /demo/changes`` lists them.
- ``POST /demo/changes/<id>/rollback``: 200, the change marked rolled back (404 when it was
  never applied).

Bodies are bounded and validated: a bad one gets 400 naming the problem.
"""

from __future__ import annotations

import itertools
import json
import re
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


# A change to this service fails to apply: the demo's way to show a rollback.
BROKEN_SERVICE = "broken"


class ChangeAsked(BaseModel):
    """A production change to apply."""

    model_config = ConfigDict(extra="ignore")

    service: Text = "web"
    approved_by: list[Text] = Field(default_factory=list, max_length=20)


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
            web.post(f"{DEMO_PATH}/changes/{{change}}/apply", self.apply_change),
            web.get(f"{DEMO_PATH}/changes", self.list_changes),
            web.post(f"{DEMO_PATH}/changes/{{change}}/rollback", self.rollback),
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
        name = _change_id(request)
        asked = await _read(request, ChangeAsked)
        failed = asked.service == BROKEN_SERVICE
        state = "failed" if failed else "applied"
        change: dict[str, Any] = {"change": name, "service": asked.service, "state": state}
        change["approved_by"] = list(asked.approved_by)
        self.changes[name] = change
        if failed:
            return web.json_response({"error": "the change failed to apply", **change}, status=500)
        return web.json_response(change)

    async def list_changes(self, _: web.Request) -> web.Response:
        return web.json_response({"changes": list(self.changes.values())})

    async def rollback(self, request: web.Request) -> web.Response:
        name = _change_id(request)
        change = self.changes.get(name)
        if change is None:
            raise _problem(404, f"no change named {name!r} was applied")
        change["state"] = "rolled back"
        return web.json_response(change)


def _change_id(request: web.Request) -> str:
    """The change id in the path; 400 unless it is one."""
    name = request.match_info["change"]
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
        raise _problem(400, "a change id is 1 to 40 of A-Z a-z 0-9 . _ -")
    return name


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
