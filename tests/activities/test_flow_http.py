"""A flow's ``http`` step over real loopback HTTP: the demo's endpoints, the allow-list checked
again at call time, redirects not followed, and statuses mapped onto Temporal's retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.flow_http import FlowHttp
from bot.demo_api import DemoApi
from orchestration.flows.urls import parse_allow_list
from orchestration.models.flow_http import HttpAnswer, HttpCall


async def _redirect(_: web.Request) -> web.Response:
    raise web.HTTPFound("http://127.0.0.1:9/elsewhere")


async def _busy(_: web.Request) -> web.Response:
    return web.json_response({"error": "busy"}, status=503, headers={"Retry-After": "7"})


async def _text(_: web.Request) -> web.Response:
    return web.Response(text="plain words")


@pytest_asyncio.fixture
async def served() -> AsyncIterator[tuple[str, DemoApi]]:
    """The demo's endpoints and a few odd ones on a free loopback port; its base URL."""
    demo = DemoApi()
    app = web.Application()
    app.add_routes(demo.routes())
    app.add_routes(
        [
            web.get("/demo/redirect", _redirect),
            web.get("/demo/busy", _busy),
            web.get("/demo/text", _text),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", demo
    finally:
        await runner.cleanup()


def call(url: str, method: str = "GET", **fields: object) -> HttpCall:
    return HttpCall.model_validate(
        {"step": "s", "method": method, "url": url, "timeout_seconds": 5, **fields}
    )


async def run(base: str, request: HttpCall, allow: str = "/demo/") -> HttpAnswer:
    http = FlowHttp(parse_allow_list([base + allow]))
    answer: HttpAnswer = await ActivityEnvironment().run(http.flow_http, request)
    return answer


async def failure(base: str, request: HttpCall, allow: str = "/demo/") -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        await run(base, request, allow)
    return raised.value


async def test_a_refund_is_posted_and_its_json_answer_returned(
    served: tuple[str, DemoApi],
) -> None:
    base, demo = served
    body = {"order_id": "ORD-1", "amount": 6200}
    answer = await run(base, call(f"{base}/demo/refunds", "POST", body=body))
    assert answer.status == 201 and answer.ok
    assert answer.body["order_id"] == "ORD-1" and answer.body["amount"] == "6200"
    assert [refund["order_id"] for refund in demo.refunds] == ["ORD-1"]


async def test_a_path_is_called_on_the_base(served: tuple[str, DemoApi]) -> None:
    base, demo = served
    http = FlowHttp(parse_allow_list([base + "/demo/"]), base=base)
    request = call("/demo/refunds", "POST", body={"order_id": "ORD-9", "amount": 1})
    answer: HttpAnswer = await ActivityEnvironment().run(http.flow_http, request)
    assert answer.status == 201 and [r["order_id"] for r in demo.refunds] == ["ORD-9"]


async def test_a_text_answer_is_kept_as_text(served: tuple[str, DemoApi]) -> None:
    base, _ = served
    assert (await run(base, call(f"{base}/demo/text"))).body == "plain words"


async def test_a_url_outside_the_allow_list_is_refused_before_any_call(
    served: tuple[str, DemoApi],
) -> None:
    base, demo = served
    body = {"order_id": "ORD-2", "amount": 10}
    err = await failure(base, call(f"{base}/demo/refunds", "POST", body=body), "/other/")
    assert err.type == "UrlNotAllowed" and err.non_retryable
    assert demo.refunds == []


async def test_a_redirect_is_not_followed(served: tuple[str, DemoApi]) -> None:
    base, _ = served
    err = await failure(base, call(f"{base}/demo/redirect"))
    assert err.type == "HttpStatus" and err.non_retryable
    assert "HTTP 302" in str(err) and "expected 2xx" in str(err)


async def test_a_server_error_is_retried_after_its_retry_after(
    served: tuple[str, DemoApi],
) -> None:
    base, _ = served
    err = await failure(base, call(f"{base}/demo/busy"))
    assert not err.non_retryable and err.next_retry_delay == timedelta(seconds=7)


async def test_a_failed_change_is_final_only_when_its_status_is(
    served: tuple[str, DemoApi],
) -> None:
    base, demo = served
    body = {"service": "broken"}
    err = await failure(base, call(f"{base}/demo/changes/CHG-1/apply", "POST", body=body))
    assert "HTTP 500" in str(err) and not err.non_retryable
    assert demo.changes["CHG-1"]["state"] == "failed"
    url = f"{base}/demo/changes/CHG-1/apply"
    answer = await run(base, call(url, "POST", body=body, expect=[500]))
    assert answer.status == 500 and not answer.ok
    rolled = await run(base, call(f"{base}/demo/changes/CHG-1/rollback", "POST"))
    assert rolled.body["state"] == "rolled back"


async def test_an_unexpected_client_error_is_final(served: tuple[str, DemoApi]) -> None:
    base, _ = served
    err = await failure(base, call(f"{base}/demo/changes/x/rollback", "POST"))
    assert err.non_retryable and "HTTP 404" in str(err)


async def test_an_unreachable_host_is_retried() -> None:
    closed = "http://127.0.0.1:9"
    err = await failure(closed, call(f"{closed}/demo/x"))
    assert err.type == "HttpUnreachable" and not err.non_retryable


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "not JSON"),
        (b'{"order_id": "ORD-3", "amount": -5}', 400, "amount"),
        (b'{"amount": 5}', 400, "order_id"),
        (b"x" * 20000, 413, "at most"),
    ],
)
async def test_the_demo_refuses_a_bad_body_clearly(
    served: tuple[str, DemoApi], body: bytes, status: int, words: str
) -> None:
    base, demo = served
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base}/demo/refunds", data=body) as response,
    ):
        assert response.status == status
        assert words in (await response.json())["error"]
    assert demo.refunds == []
