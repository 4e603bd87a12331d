"""Files, as Slack's upload flow (v2) takes them: ``files.getUploadURLExternal`` reserves a
file and answers an upload URL; the client POSTs the bytes there; ``files.completeUploadExternal``
finishes the upload and shares the file in a channel, as a message carrying it (``files``).

Behaviour from https://docs.slack.dev/reference/methods/files.getUploadURLExternal and
https://docs.slack.dev/reference/methods/files.completeUploadExternal: ``filename`` and
``length`` are required (``length`` 0 is ``missing_argument``); the upload takes raw bytes or a
multipart form and answers HTTP 200; completing a file never uploaded, or one already
completed, fails; without ``channel_id`` (or ``channels``) the file stays private.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from slacksim.api import Params, Result, method, required
from slacksim.errors import SlackError
from slacksim.seed import BOT_USER_ID
from slacksim.state import Workspace
from slacksim.validation import check_text

MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack's limit for one file: 1 GB
MAX_TITLE_CHARS = 255
UPLOAD_PATH = "/upload/v1/{key}"


@dataclass
class SimFile:
    """One file: reserved, then uploaded (``content``), then completed (``title``, shares)."""

    id: str
    name: str
    length: int
    key: str
    created: int
    content: bytes | None = None
    title: str = ""
    completed: bool = False
    channels: list[str] = field(default_factory=list)

    def to_api(self, base_url: str) -> dict[str, Any]:
        """The file object of the Web API (the fields a client reads)."""
        url = f"{base_url}files/{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": "text/plain",
            "filetype": "text",
            "user": BOT_USER_ID,
            "size": len(self.content or b""),
            "url_private": url,
            "url_private_download": url,
            "channels": list(self.channels),
        }


@method("files.getUploadURLExternal")
def get_upload_url(ws: Workspace, params: Params) -> Result:
    """Reserve a file; the answer says where to upload its bytes."""
    name = required(params, "filename", "invalid_arguments")
    try:
        length = int(str(params.get("length", "")))
    except ValueError:
        raise SlackError("invalid_arguments") from None
    if length <= 0:
        raise SlackError("missing_argument")
    if length > MAX_FILE_BYTES:
        raise SlackError("file_upload_size_restricted")
    file = SimFile(
        id="F" + secrets.token_hex(5).upper(),
        name=name[:MAX_TITLE_CHARS],
        length=length,
        key=secrets.token_urlsafe(12),
        created=int(ws.clock()),
    )
    ws.files[file.id] = file
    upload_url = f"{ws.web_url}{UPLOAD_PATH.lstrip('/').format(key=f'{file.id}-{file.key}')}"
    return {"ok": True, "upload_url": upload_url, "file_id": file.id}


def _wanted(params: Params) -> list[dict[str, Any]]:
    raw = params.get("files")
    try:
        wanted = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        raise SlackError("invalid_arguments") from None
    if not isinstance(wanted, list) or not wanted:
        raise SlackError("invalid_arguments")
    if not all(isinstance(item, dict) and item.get("id") for item in wanted):
        raise SlackError("invalid_arguments")
    return wanted


def _ready(ws: Workspace, item: dict[str, Any]) -> SimFile:
    file = ws.files.get(str(item["id"]))
    if file is None or file.content is None or file.completed:
        raise SlackError("file_not_found")
    return file


@method("files.completeUploadExternal")
def complete_upload(ws: Workspace, params: Params) -> Result:
    """Finish uploads and share them in one channel (a message carrying the files)."""
    wanted = _wanted(params)
    files = [_ready(ws, item) for item in wanted]
    channel_id = str(params.get("channel_id") or params.get("channels") or "")
    if "," in channel_id:
        raise SlackError("not_supported")  # the stand-in shares in one channel
    if channel_id:
        channel = ws.channel(channel_id, ids_only=True)
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
    for file, item in zip(files, wanted, strict=True):
        file.title = str(item.get("title") or file.name)[:MAX_TITLE_CHARS]
        file.completed = True
    if channel_id:
        comment = check_text(str(params.get("initial_comment") or ""))
        for file in files:
            file.channels.append(channel_id)
        message = ws.post(channel_id, comment, [])
        message.files = [file.to_api(ws.web_url) for file in files]
    return {"ok": True, "files": [file.to_api(ws.web_url) for file in files]}


async def upload(request: web.Request, ws: Workspace) -> web.Response:
    """Take a reserved file's bytes (raw, or the ``file`` field of a multipart form)."""
    file_id, _, key = request.match_info["key"].partition("-")
    file = ws.files.get(file_id)
    if file is None or not secrets.compare_digest(file.key, key) or file.completed:
        return web.Response(status=404, text="not found")
    if request.content_type == "multipart/form-data":
        form = await request.post()
        part = form.get("file") or form.get("filename")
        data = part.file.read() if isinstance(part, web.FileField) else str(part or "").encode()
    else:
        data = await request.read()
    if len(data) > MAX_FILE_BYTES:
        return web.Response(status=413, text="too large")
    file.content = data
    return web.Response(text=f"OK - {len(data)}")


async def download(request: web.Request, ws: Workspace) -> web.Response:
    """A completed file's content (the stand-in's page links to it)."""
    file = ws.files.get(request.match_info["file_id"])
    if file is None or not file.completed or file.content is None:
        return web.Response(status=404, text="not found")
    return web.Response(body=file.content, content_type="text/plain", charset="utf-8")
