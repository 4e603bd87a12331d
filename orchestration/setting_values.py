"""How settings read from the environment are parsed: durations, lists of ids, choices,
secrets, URLs, cron expressions and time zones."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr
from pydantic_core import PydanticCustomError

from orchestration.cron import CronError, parse_cron
from orchestration.durations import Bounds, duration_from_text
from orchestration.flows.urls import UrlError, parse_allow_list, parse_prefix

# A webhook secret shorter than this could be guessed offline from one signed request.
MIN_WEBHOOK_SECRET = 16
# What turns off an optional periodic job.
OFF = ("", "off", "none", "never")
_SECONDS = re.compile(r"[+-]?\d{1,9}")


def human_duration(value: object) -> object:
    """``90s``, ``5m``, ``2h``, ``1d``, ``1h30m``, plain seconds (``120``) or ISO 8601
    (``PT2M``, left to pydantic); anything else is refused saying so."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return timedelta(seconds=int(text))
    parsed = duration_from_text(text)
    if parsed is not None:
        return parsed
    if text.upper().lstrip("-").startswith("P"):
        return text
    raise PydanticCustomError(
        "not_a_duration", "not a duration; use e.g. 90s, 30m, 2h, 1d, or seconds"
    )


def within(value: timedelta, bounds: Bounds, also: str = "") -> timedelta:
    """``value`` if ``bounds`` allow it, else a validation error saying why."""
    problem = bounds.problem(value)
    if problem is not None:
        raise PydanticCustomError("duration_out_of_bounds", problem + also)
    return value


def split_ids(value: object) -> object:
    """Accept ``"U1, U2"`` from the environment as well as a real list."""
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


def one_of(value: object, choices: tuple[str, ...]) -> object:
    """One of ``choices`` in any case, the first when blank; anything else is refused
    naming them."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if not text:
        return choices[0]
    if text not in choices:
        raise PydanticCustomError("not_a_choice", "must be one of: " + ", ".join(choices))
    return text


def url_prefixes(value: list[str]) -> list[str]:
    """The entries of a URL allow-list, each an http(s) URL prefix with a host."""
    try:
        parse_allow_list(value)
    except UrlError as err:
        raise PydanticCustomError("url_prefix", str(err)) from None
    return value


def url_base(value: str | None) -> str | None:
    """A base URL: http(s), a host, and no query or fragment."""
    if value is None or not value.strip():
        return None
    try:
        parse_prefix(value)
    except UrlError as err:
        raise PydanticCustomError("url_base", str(err)) from None
    if "?" in value or "#" in value:
        raise PydanticCustomError("url_base", "a base URL has no query or fragment")
    return value.strip()


def with_trailing_slash(value: str | None) -> str | None:
    """A base URL ending in ``/``: slack_sdk joins method names with urljoin, which drops a
    last path segment that has no trailing slash ("http://h/api" + "auth.test" ->
    "http://h/auth.test")."""
    if value is None or value.endswith("/"):
        return value
    return value + "/"


def blank_is_unset(value: SecretStr | None) -> SecretStr | None:
    """A blank secret as no secret: an empty ``CHATOPS_WEBHOOK_SECRET=`` must disable the
    hook, not accept an empty key; an empty ``SLACK_SIGNING_SECRET=`` must not become an HMAC
    key anyone can sign with."""
    if value is None or not value.get_secret_value().strip():
        return None
    return value


def cron_or_off(value: str | None) -> str | None:
    """A cron expression as parsed, or None for off."""
    if value is None or value.strip().lower() in OFF:
        return None
    try:
        return parse_cron(value).text
    except CronError as err:
        raise ValueError(f"not a cron expression: {err}") from None


def known_time_zone(value: str) -> str:
    """An IANA time zone name this machine knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. UTC, Europe/Berlin)") from None
    return value


def long_enough_secret(value: SecretStr | None) -> SecretStr | None:
    """A webhook secret of at least :data:`MIN_WEBHOOK_SECRET` characters: one captured
    request lets anyone test guesses offline against its signature."""
    if value is not None and len(value.get_secret_value()) < MIN_WEBHOOK_SECRET:
        raise ValueError(
            f"must be at least {MIN_WEBHOOK_SECRET} characters (for example the output "
            "of: openssl rand -hex 32)"
        )
    return value
