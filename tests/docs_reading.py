"""Reading the docs, and the generic walks over parsers, routes and models that
``tests/test_docs.py`` compares them with."""

from __future__ import annotations

import argparse
import re
import typing
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted(DOCS.glob("*.md"))]
# The decision record keeps history, such as settings that are gone.
CURRENT_PAGES = [page for page in PAGES if page.name != "decisions.md"]
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`")
VARIABLE = re.compile(r"\b(?:CHATOPS|SLACK|TEMPORAL)_[A-Z0-9_]*[A-Z0-9]\b")
SHELL_BLOCK = re.compile(r"^```(?:bash|sh|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
CHATOPS_CALL = re.compile(r"(?:^|[\s/$])chatops\s+([a-z][a-z-]*)(?![\w.-])(?:\s+([a-z][a-z-]*))?")


def page(name: str) -> str:
    """The text of ``docs/<name>``."""
    return (DOCS / name).read_text()


def code(text: str) -> list[str]:
    """Inline code spans and shell blocks: where commands are written to be typed."""
    return SHELL_BLOCK.findall(text) + INLINE_CODE.findall(SHELL_BLOCK.sub("", text))


def section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same level."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ")[0]
    end = text.find(f"\n{level} ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def mentions(text: str, word: str) -> bool:
    """Whether ``word`` stands in ``text`` as a word of its own (``--as``, not ``--ask``)."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command path (``up``, ``start order``) with its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                yield path, sub
                yield from subcommands(sub, path)


def options(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Option strings (but help) and the choices of options, of ``parser`` and its commands."""
    for each in [parser, *(sub for _, sub in subcommands(parser))]:
        for action in each._actions:
            if isinstance(action, argparse._HelpAction) or not action.option_strings:
                continue
            yield from action.option_strings
            yield from (str(choice) for choice in action.choices or ())


def routes(app: web.Application) -> set[tuple[str, str]]:
    """``(method, path)`` of every route; ``*`` is any method, HEAD goes with GET."""
    found = set()
    for resource in app.router.resources():
        path = resource.canonical
        if isinstance(resource, web.StaticResource):
            path += "/{filename}"
        found |= {(route.method, path) for route in resource if route.method != "HEAD"}
    return found


def covered(documented: set[tuple[str, str]], route: tuple[str, str]) -> bool:
    method, path = route
    return any(p == path and method in (m, "*") for m, p in documented)


def models_in(annotation: object) -> Iterator[tuple[type[BaseModel], bool]]:
    """Models an annotation holds, each with whether it sits in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, False
        return
    in_list = typing.get_origin(annotation) is list
    for arg in typing.get_args(annotation):
        for model, listed in models_in(arg):
            yield model, listed or in_list


def key_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """``rules``, ``rules[].when``, ``rules[].when.kind``, ...: every key a file may give."""
    for name, field in model.model_fields.items():
        path = prefix + (field.alias or name)
        yield path
        for inner, listed in models_in(field.annotation):
            yield from key_paths(inner, path + ("[]." if listed else "."))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")
