"""URLs: every ``http`` step's URL is under a prefix of the allow-list, judged on its static
start; only the path and query may be templated, never the scheme, host or port."""

from __future__ import annotations

from orchestration.flows.models import FlowFile, all_steps
from orchestration.flows.problems import Finding
from orchestration.flows.steps import HttpStep
from orchestration.flows.urls import (
    UrlError,
    UrlPrefix,
    host_is_static,
    parse_prefix,
    resolved,
)


def check_urls(
    flow: FlowFile, allow: tuple[UrlPrefix, ...], base: str | None = None
) -> list[Finding]:
    """Every URL outside the allow-list, or with a templated host; a URL that is only a path
    is judged on ``base``, as it will be called."""
    found: list[Finding] = []
    for path, step, _ in all_steps(flow):
        if not isinstance(step, HttpStep):
            continue
        url = step.http.url
        try:
            static = resolved(url.static_prefix, base)
        except UrlError as err:
            found.append(Finding((*path, "http", "url"), str(err)))
            continue
        problem = url_problem(static, url.is_static, allow)
        if problem is not None:
            found.append(Finding((*path, "http", "url"), problem))
    return found


def url_problem(static: str, whole: bool, allow: tuple[UrlPrefix, ...]) -> str | None:
    """Why a URL (``whole``) or the static start of a templated one is refused, or None."""
    if not whole and not host_is_static(static):
        return "the scheme, host and port may not be templated; only the path and query may"
    try:
        url = parse_prefix(static)
    except UrlError as err:
        return str(err)
    if any(prefix.covers(url) for prefix in allow):
        return None
    listed = ", ".join(str(prefix) for prefix in allow) or "nothing"
    return f"{url} is outside the allow-list (CHATOPS_FLOW_HTTP_ALLOW allows {listed})"
