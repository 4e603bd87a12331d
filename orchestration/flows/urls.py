"""URL prefixes: the allow-list ``http`` steps are checked against, and matching a URL to it.

A prefix is ``scheme://host[:port]/path/``; a URL matches when its scheme, host and port are
the prefix's and its path starts with the prefix's path at a ``/`` boundary. The URL's parts
are those of https://docs.python.org/3/library/urllib.parse.html#urllib.parse.urlsplit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SCHEMES = {"http": 80, "https": 443}
MAX_URL = 2000
# Ways a path can climb out of the prefix it seems to be under.
_CLIMBS = re.compile(r"(^|/)(\.|%2e){1,2}(/|$)|\\", re.IGNORECASE)


class UrlError(ValueError):
    """A URL or prefix that cannot be used; the message says why."""


@dataclass(frozen=True)
class UrlPrefix:
    """One allowed origin and path prefix."""

    scheme: str
    host: str
    port: int
    path: str

    def covers(self, other: UrlPrefix) -> bool:
        """Whether the URL (or static start of one) ``other`` falls under this prefix."""
        if (self.scheme, self.host, self.port) != (other.scheme, other.host, other.port):
            return False
        if self.path.endswith("/") or not self.path:
            return other.path.startswith(self.path or "/")
        return other.path == self.path or other.path.startswith(self.path + "/")

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"


def parse_prefix(text: str) -> UrlPrefix:
    """Split ``text`` (a URL or the static start of one, up to and including its host).

    Raises:
        UrlError: Not http(s), no host, credentials in it, a bad port, or a climbing path.
    """
    if len(text) > MAX_URL:
        raise UrlError(f"a URL is at most {MAX_URL:,} characters")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as err:
        raise UrlError(f"not a URL: {err}") from None
    if parts.scheme not in SCHEMES:
        raise UrlError("must start with http:// or https://")
    if not parts.hostname:
        raise UrlError("has no host")
    if "@" in parts.netloc:
        raise UrlError("user names and passwords do not belong in a URL")
    # Decoded first: a server may read %2F as a slash, making "..%2F" a climb.
    if _CLIMBS.search(unquote(parts.path)):
        raise UrlError("the path may not contain . or .. segments or backslashes")
    path = parts.path or "/"
    return UrlPrefix(parts.scheme, parts.hostname.lower(), port or SCHEMES[parts.scheme], path)


def parse_allow_list(entries: list[str] | tuple[str, ...]) -> tuple[UrlPrefix, ...]:
    """Every entry parsed.

    Raises:
        UrlError: Naming the first bad entry.
    """
    prefixes = []
    for entry in entries:
        try:
            prefixes.append(parse_prefix(entry))
        except UrlError as err:
            raise UrlError(f"{entry!r}: {err}") from None
    return tuple(prefixes)


def resolved(url: str, base: str | None) -> str:
    """``url`` itself, or a path (``/demo/refunds``) on ``base``, the bot's own address.

    Raises:
        UrlError: A path given with no base to resolve it against.
    """
    if not url.startswith("/") or url.startswith("//"):
        return url
    if base is None:
        raise UrlError("a URL that is only a path needs CHATOPS_FLOW_HTTP_BASE to resolve it")
    return base.rstrip("/") + url


def check_url(url: str, allowed: Sequence[UrlPrefix]) -> None:
    """Raises :class:`UrlError` unless ``url`` is a usable URL under one of ``allowed``."""
    target = parse_prefix(url)
    if not any(prefix.covers(target) for prefix in allowed):
        listed = ", ".join(str(prefix) for prefix in allowed) or "none"
        raise UrlError(
            f"{url!r} is outside the allowed URL prefixes ({listed}); add its prefix to "
            "CHATOPS_FLOW_HTTP_ALLOW to allow it"
        )


def host_is_static(prefix: str) -> bool:
    """Whether the static start of a templated URL already ends its host (and port)."""
    _, sep, rest = prefix.partition("://")
    return bool(sep) and any(mark in rest for mark in "/?#")
