"""The tests' round-robin proxy: requests alternate over the backends as they came, a backend
that is down costs one 502 and is then left out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from benchmarks.processes import free_port
from tests.round_robin import RoundRobinProxy


@asynccontextmanager
async def backend(name: str) -> AsyncIterator[str]:
    """A server answering every request with its name, the path, a header and the body."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.text()
        seen = f"{name} {request.path_qs} {request.headers.get('X-Slack-Signature')} {body}"
        return web.json_response({"seen": seen})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def post(url: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=b"payload=1", headers={"X-Slack-Signature": "v0=abc"}) as answer,
    ):
        text = await answer.text()
        return answer.status, (await answer.json())["seen"] if answer.status == 200 else text


async def test_requests_alternate_and_a_dead_backend_costs_one_502() -> None:
    async with backend("one") as one:
        async with backend("two") as two:
            proxy = RoundRobinProxy([one, two])
            async with proxy.serving() as url:
                answers = [await post(f"{url}/slack/events?x=1") for _ in range(4)]
                assert (
                    answers
                    == [
                        (200, "one /slack/events?x=1 v0=abc payload=1"),
                        (200, "two /slack/events?x=1 v0=abc payload=1"),
                    ]
                    * 2
                )
        # "two" is gone: its turn gets a 502 once, then "one" takes every request.
        async with proxy.serving() as url:
            after = [(await post(f"{url}/slack/events"))[0] for _ in range(4)]
        assert sorted(after) == [200, 200, 200, 502]
        assert after.index(502) <= 1
        assert proxy.bad_gateway == {two: 1} and not +proxy.in_flight
        assert proxy.sent[one] == 2 + 3 and proxy.sent[two] == 2
