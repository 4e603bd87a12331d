"""The allow-list of a flow's URLs compares parts, not text."""

from __future__ import annotations

import pytest

from orchestration.url_allow import UrlNotAllowed, UrlPrefix, check_url, parse_prefixes

pytestmark = pytest.mark.unit

ALLOWED = parse_prefixes(["http://127.0.0.1:3000/demo/", "https://API.example.com"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/demo/refunds",
        "http://127.0.0.1:3000/demo/refunds?order=1",
        "http://127.0.0.1:3000/demo",
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
        ("http://127.0.0.1:3000@evil.example/demo/", "user name"),
        ("http://127.0.0.1:3000/demo/../admin", ". or .."),
        ("http://127.0.0.1:3000/demo/%2e%2e/admin", ". or .."),
        ("http://127.0.0.1:3000/demo/..%2Fadmin", ". or .."),
        ("http://api.example.com/v1", "outside"),
        ("ftp://api.example.com/", "only http"),
        ("http:///demo/", "no host"),
        ("http://127.0.0.1:port/demo/", "not a URL"),
        ("http://127.0.0.1:3000/" + "a" * 2000, "2,000"),
    ],
)
def test_other_urls_are_refused_saying_why(url: str, words: str) -> None:
    with pytest.raises(UrlNotAllowed, match=words):
        check_url(url, ALLOWED)


def test_a_prefix_is_a_directory_and_names_its_port() -> None:
    prefix = UrlPrefix.parse("http://Localhost/api")
    assert str(prefix) == "http://localhost:80/api/"
    assert prefix.allows("http://localhost/api/x") and not prefix.allows("http://localhost/apix")


def test_a_prefix_with_a_query_is_refused() -> None:
    with pytest.raises(UrlNotAllowed, match="no query"):
        UrlPrefix.parse("http://localhost/api?x=1")


def test_nothing_passes_an_empty_list() -> None:
    with pytest.raises(UrlNotAllowed, match=r"\(none\)"):
        check_url("http://localhost/", [])
