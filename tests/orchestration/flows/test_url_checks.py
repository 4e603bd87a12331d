"""The allow-list of a flow's URLs compares parts, not text."""

from __future__ import annotations

import pytest

from orchestration.flows.urls import (
    UrlError,
    check_url,
    parse_allow_list,
    parse_prefix,
    resolved,
)

pytestmark = pytest.mark.unit

ALLOWED = parse_allow_list(["http://127.0.0.1:3000/demo/", "https://API.example.com"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/demo/refunds",
        "http://127.0.0.1:3000/demo/refunds?order=1",
        "https://api.example.com/v1/x",
        "https://api.example.com:443/",
        "https://api.example.com",
    ],
)
def test_urls_under_a_prefix_pass(url: str) -> None:
    check_url(url, ALLOWED)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:3000/demonstration", "outside"),
        ("http://127.0.0.1:3001/demo/refunds", "outside"),
        ("https://127.0.0.1:3000/demo/refunds", "outside"),
        ("http://127.0.0.1:3000@evil.example/demo/", "user names"),
        ("http://127.0.0.1:3000/demo/../admin", "may not contain"),
        ("http://127.0.0.1:3000/demo/%2e%2e/admin", "may not contain"),
        ("http://127.0.0.1:3000/demo/..%2Fadmin", "may not contain"),
        ("http://api.example.com/v1", "outside"),
        ("ftp://api.example.com/", "must start with http"),
        ("http:///demo/", "has no host"),
        ("http://127.0.0.1:port/demo/", "not a URL"),
        ("http://127.0.0.1:3000/" + "a" * 2000, "2,000"),
    ],
)
def test_other_urls_are_refused_saying_why(url: str, words: str) -> None:
    with pytest.raises(UrlError, match=words):
        check_url(url, ALLOWED)


def test_a_prefix_ends_at_a_path_boundary_and_names_its_port() -> None:
    prefix = parse_prefix("http://Localhost/api")
    assert str(prefix) == "http://localhost:80/api"
    assert prefix.covers(parse_prefix("http://localhost/api/x"))
    assert not prefix.covers(parse_prefix("http://localhost/apix"))


def test_nothing_passes_an_empty_list() -> None:
    with pytest.raises(UrlError, match=r"\(none\)"):
        check_url("http://localhost/", [])


def test_a_path_is_judged_on_the_base_it_will_be_called_on() -> None:
    assert (
        resolved("/demo/refunds", "http://127.0.0.1:3000") == "http://127.0.0.1:3000/demo/refunds"
    )
    assert resolved("https://api.example.com/x", "http://b") == "https://api.example.com/x"
    assert resolved("//evil.example/x", "http://b") == "//evil.example/x"  # not a path
    with pytest.raises(UrlError, match="CHATOPS_FLOW_HTTP_BASE"):
        resolved("/demo/refunds", None)
