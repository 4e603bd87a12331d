"""Slack's v2 file upload in the stand-in: what slack_sdk's ``files_upload_v2`` sends works,
and each step fails as Slack's reference says it does."""

from __future__ import annotations

import dataclasses

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import DEFAULT_BOT_TOKEN, GENERAL_CHANNEL_ID, running_sim
from slacksim.manifest import load_manifest


async def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as failed:
        await call  # type: ignore[misc]
    return str(failed.value.response["error"])


async def test_upload_v2_shares_the_file_as_a_message() -> None:
    async with running_sim() as sim:
        client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        answer = await client.files_upload_v2(
            channel=GENERAL_CHANNEL_ID,
            content="é line\n",
            filename="audit.jsonl",
            title="Audit",
            initial_comment="here it is",
        )
        (file,) = answer["files"]
        assert (file["name"], file["title"], file["size"]) == ("audit.jsonl", "Audit", 8)
        (message,) = sim.messages(GENERAL_CHANNEL_ID)
        assert message["text"] == "here it is"
        assert [f["id"] for f in message["files"]] == [file["id"]]
        assert sim.file_content(file["id"]) == "é line\n".encode()
        async with aiohttp.ClientSession() as session, session.get(file["url_private"]) as got:
            assert (got.status, await got.read()) == (200, "é line\n".encode())


async def test_each_step_refuses_what_slack_refuses() -> None:
    async with running_sim() as sim:
        client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        get_url = client.files_getUploadURLExternal
        assert await error_of(get_url(filename="a.txt", length=0)) == "missing_argument"
        assert await error_of(get_url(filename="", length=3)) == "invalid_arguments"
        reserved = await get_url(filename="a.txt", length=3)
        complete = client.files_completeUploadExternal
        never_uploaded = complete(
            files=[{"id": reserved["file_id"]}], channel_id=GENERAL_CHANNEL_ID
        )
        assert await error_of(never_uploaded) == "file_not_found"
        async with aiohttp.ClientSession() as session:
            async with session.post(reserved["upload_url"], data=b"abc") as response:
                assert (response.status, await response.text()) == (200, "OK - 3")
            async with session.post(reserved["upload_url"] + "x", data=b"abc") as response:
                assert response.status == 404
        private = await complete(files=[{"id": reserved["file_id"], "title": "A"}])
        assert private["files"][0]["channels"] == []
        again = complete(files=[{"id": reserved["file_id"]}])
        assert await error_of(again) == "file_not_found"


async def test_without_files_write_the_upload_is_refused() -> None:
    manifest = load_manifest()
    scopes = tuple(s for s in manifest.bot_scopes if s != "files:write")
    async with running_sim(manifest=dataclasses.replace(manifest, bot_scopes=scopes)) as sim:
        client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        refused = client.files_getUploadURLExternal(filename="a.txt", length=3)
        assert await error_of(refused) == "missing_scope"
