"""Which URLs a flow's ``http`` steps may call: an allow-list of URL prefixes.

A prefix such as ``http://127.0.0.1:3000/demo/`` allows that scheme, host and port, and paths
under ``/demo/``. URLs are compared by their parts, not as text, so ``http://127.0.0.1:3000@evil``
(a user name, then another host) or ``/demo/../admin`` cannot pass as an allowed prefix. Pure:
the validator checks a flow's URLs with it, and the ``http`` step's activity checks each URL
again as it is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlNotAllowed(ValueError):
    """A URL that is malformed, or outside every allowed prefix; the message says why."""


@dataclass(frozen=True)
class UrlPrefix:
    """One allowed prefix: a scheme, a host, a port and a path prefix (ending in ``/``)."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, text: str) -> UrlPrefix:
        """``http(s)://host[:port][/path]``; the path is taken as a directory.

        Raises:
            UrlNotAllowed: not such a URL.
        """
        parts = _split(text)
        if parts.query or parts.fragment:
            raise UrlNotAllowed(f"{text!r}: an allowed prefix has no query or fragment")
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(parts.scheme, _host(parts), _port(parts), path)

    def allows(self, url: str) -> bool:
        """Whether ``url`` has this prefix's scheme, host and port, and a path under it."""
        parts = _split(url)
        path = parts.path or "/"
        return (parts.scheme, _host(parts), _port(parts)) == (
            self.scheme,
            self.host,
            self.port,
        ) and (path + "/").startswith(self.path)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"


def parse_prefixes(texts: list[str]) -> list[UrlPrefix]:
    """Each text as a :class:`UrlPrefix` (raises :class:`UrlNotAllowed` for a bad one)."""
    return [UrlPrefix.parse(text) for text in texts]


def check_url(url: str, allowed: list[UrlPrefix]) -> None:
    """Raises :class:`UrlNotAllowed` unless ``url`` is well formed and under a prefix."""
    if not any(prefix.allows(url) for prefix in allowed):
        listed = ", ".join(str(prefix) for prefix in allowed) or "none"
        raise UrlNotAllowed(
            f"{url!r} is outside the allowed URL prefixes ({listed}); add its prefix to "
            "CHATOPS_FLOW_HTTP_ALLOW to allow it"
        )


def _split(text: str) -> SplitResult:
    if len(text) > 2000:
        raise UrlNotAllowed("a URL is at most 2,000 characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise UrlNotAllowed(f"{text!r} is not a URL: {err}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise UrlNotAllowed(f"{text!r}: only http and https URLs are called")
    if not parts.hostname:
        raise UrlNotAllowed(f"{text!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlNotAllowed(f"{text!r}: a URL with a user name or password is refused")
    segments = unquote(parts.path).replace("\\", "/").split("/")
    if ".." in segments or "." in segments:
        raise UrlNotAllowed(f"{text!r}: a path with . or .. segments is refused")
    return parts


def _host(parts: SplitResult) -> str:
    return (parts.hostname or "").lower().rstrip(".")


def _port(parts: SplitResult) -> int:
    return parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
