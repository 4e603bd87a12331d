"""The docs say what the code does, both ways: every command, option, setting, endpoint, slash
command and policy key the code accepts is documented, and everything the docs name exists.

The functions in the first section are the only places that know where the code keeps these
things; when the code moves, repoint them and leave the tests alone.
"""

from __future__ import annotations

import argparse
import re
import typing
from pathlib import Path
from typing import cast

import pytest
from aiohttp import web
from pydantic import BaseModel
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.envconfig import ClientConfigProfile

from bot.app import build_web_app
from bot.demo_api import DemoApi
from bot.flow_hook import FLOWS_PATH, FlowHook
from bot.hooks import AGENT_TASKS_PATH, MAX_BODY, SIGNATURE_HEADER, TIMESTAMP_HEADER, AgentTaskHook
from bot.readiness import Readiness
from cli.main import build_parser
from commands.flow import FLOW
from commands.schedule import SCHEDULE
from commands.schedule.delete import CONFIRM_FLAG
from commands.surface import UsageError
from commands.workflow import WORKFLOW
from orchestration.flow_starts import start_flow
from orchestration.policy.file import Policy
from orchestration.settings import Settings
from slacksim import SlackSim
from tests.docs_reading import (
    CHATOPS_CALL,
    CURRENT_PAGES,
    PAGES,
    ROOT,
    ROUTE,
    VARIABLE,
    code,
    covered,
    key_paths,
    mentions,
    options,
    page,
    routes,
    section,
    slug,
    subcommands,
)

pytestmark = pytest.mark.unit


# -- Where the code keeps what the docs describe ---------------------------------------------


def cli_parser() -> argparse.ArgumentParser:
    """The ``chatops`` command line's parser."""
    return build_parser()


def cli_extra_flags() -> set[str]:
    """Flags taken by the slash-command grammar rather than by argparse (``--confirm``)."""
    return {CONFIRM_FLAG}


def settings_model() -> type[BaseModel]:
    """The one settings model, loaded from the environment."""
    return Settings


def slash_command_verbs() -> dict[str, set[str]]:
    """Each slash command and its verbs, as its usage text lists them."""
    verbs = {}
    for surface in (WORKFLOW, SCHEDULE, FLOW):
        verbs[f"/{surface.name}"] = set(re.findall(r"^  ([a-z]+)\b", surface.usage, re.MULTILINE))
    return verbs


def slash_command_knows(command: str, verb: str) -> bool:
    """Whether the grammar of ``command`` takes ``verb`` (any error but "unknown command")."""
    surface = {f"/{s.name}": s for s in (WORKFLOW, SCHEDULE, FLOW)}[command]
    try:
        surface.parse(verb)
    except UsageError as err:
        return not err.problem.startswith("Unknown command")
    return True


def bot_web_app() -> web.Application:
    """The bot's aiohttp app with every route it can serve (webhook and Slack events on)."""
    hook = AgentTaskHook(cast(Client, object()), Settings.model_construct())
    flows = FlowHook(cast(Client, object()), Settings.model_construct(), start_flow)
    readiness = Readiness(cast(Client, object()), cast(AsyncWebClient, object()))
    return build_web_app(
        cast(AsyncApp, object()),
        hook,
        signing_secret="docs-test-secret",
        readiness=readiness,
        flows=flows,
        demo=DemoApi(),
    )


def stand_in_web_app() -> web.Application:
    """The local Slack stand-in's aiohttp app."""
    return SlackSim().make_app()


def policy_file_model() -> type[BaseModel]:
    """The model the policy loader validates a whole file against."""
    return Policy


def webhook_facts() -> list[str]:
    """What a caller of the webhook must know: its path, headers and body limit."""
    return [
        f"POST {AGENT_TASKS_PATH}",
        f"POST {FLOWS_PATH}",
        TIMESTAMP_HEADER,
        SIGNATURE_HEADER,
        f"{MAX_BODY // 1024} KiB",
    ]


def temporal_envconfig_reads(name: str, scratch: Path) -> bool:
    """Whether ``temporalio.envconfig`` loads anything different when ``name`` is set."""
    config = scratch / "temporal.toml"
    config.write_text('[profile.default]\naddress = "docs.invalid:7233"\n')
    value = str(config) if name == "TEMPORAL_CONFIG_FILE" else "true"
    base = ClientConfigProfile.load(override_env_vars={}).to_dict()
    for variable in (name, f"{name}_DOCS_TEST"):  # TEMPORAL_GRPC_META_<NAME> is a family
        try:
            loaded = ClientConfigProfile.load(override_env_vars={variable: value}).to_dict()
        except RuntimeError:  # TEMPORAL_PROFILE naming a profile that does not exist
            return True
        if loaded != base:
            return True
    return False


def variables_read_by_tests() -> set[str]:
    """Environment variables the test suite itself reads (e.g. to record histories)."""
    pattern = re.compile(r"environ\.get\(\"([A-Z][A-Z0-9_]+)\"")
    return {m for path in ROOT.glob("tests/**/*.py") for m in pattern.findall(path.read_text())}


# -- The command line ------------------------------------------------------------------------


def test_every_command_and_option_is_in_the_cli_page() -> None:
    text = page("cli.md")
    missing = [f"chatops {path}" for path, _ in subcommands(cli_parser())]
    missing = [name for name in missing if name not in text]
    missing += [option for option in set(options(cli_parser())) if not mentions(text, option)]
    assert missing == []


def test_every_documented_command_exists() -> None:
    commands = dict(subcommands(cli_parser()))
    wrong = []
    for doc in PAGES:
        for snippet in code(doc.read_text()):
            for first, second in CHATOPS_CALL.findall(snippet):
                known = first in commands and (
                    not second
                    or f"{first} {second}" in commands
                    or not any(p.startswith(f"{first} ") for p in commands)
                )
                if not known:
                    wrong.append(f"{doc.name}: chatops {first} {second}".strip())
    assert wrong == []


def test_every_documented_option_exists() -> None:
    known = set(options(cli_parser())) | cli_extra_flags()
    written = {
        flag
        for snippet in code(page("cli.md"))
        for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", snippet)
    }
    assert written - known == set()


# -- Settings --------------------------------------------------------------------------------


def test_every_setting_is_in_the_configuration_page() -> None:
    text = page("configuration.md")
    names = [field.alias or name for name, field in settings_model().model_fields.items()]
    assert [name for name in names if f"`{name}`" not in text] == []


def test_every_documented_variable_is_read(tmp_path: Path) -> None:
    settings = {field.alias or name for name, field in settings_model().model_fields.items()}
    accepted = settings | variables_read_by_tests()
    named = {name for doc in CURRENT_PAGES for name in VARIABLE.findall(doc.read_text())}
    unknown = sorted(name for name in named - accepted if not name.startswith("TEMPORAL_"))
    unknown += sorted(
        name
        for name in named - accepted
        if name.startswith("TEMPORAL_") and not temporal_envconfig_reads(name, tmp_path)
    )
    assert unknown == []


# -- Slash commands --------------------------------------------------------------------------


def test_the_usage_lists_only_verbs_the_grammar_takes() -> None:
    unknown = [
        f"{command} {verb}"
        for command, verbs in slash_command_verbs().items()
        for verb in verbs
        if not slash_command_knows(command, verb)
    ]
    assert unknown == []


@pytest.mark.parametrize("command", sorted(slash_command_verbs()))
def test_the_slash_commands_page_lists_exactly_the_verbs(command: str) -> None:
    documented = re.findall(
        r"^\| `([a-z]+)", section(page("slash-commands.md"), f"## {command}"), re.MULTILINE
    )
    assert set(documented) == slash_command_verbs()[command]


# -- HTTP endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "app"), [("configuration.md", bot_web_app), ("stand-in.md", stand_in_web_app)]
)
def test_every_route_is_documented_and_every_documented_one_exists(
    name: str, app: typing.Callable[[], web.Application]
) -> None:
    served = routes(app())
    documented = set(ROUTE.findall(page(name)))
    assert sorted(r for r in served if not covered(documented, r)) == []
    assert sorted(d for d in documented if not any(covered({d}, r) for r in served)) == []


def test_the_webhook_page_names_its_endpoint_headers_and_limit() -> None:
    text = page("webhook.md")
    assert [fact for fact in webhook_facts() if fact not in text] == []


# -- The policy file -------------------------------------------------------------------------


def test_the_policy_page_lists_exactly_the_keys_the_loader_takes() -> None:
    table = section(page("policy.md"), "## Every key")
    documented = set(re.findall(r"^\| `([a-z_\[\].]+)` \|", table, re.MULTILINE))
    assert documented == set(key_paths(policy_file_model()))


# -- Links -----------------------------------------------------------------------------------


def test_every_relative_link_resolves() -> None:
    broken = []
    for doc in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (doc.parent / path).resolve() if path else doc
            if not linked.is_file():
                broken.append(f"{doc.name}: {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.MULTILINE)
                if anchor not in {slug(h) for h in headings}:
                    broken.append(f"{doc.name}: {target}")
    assert broken == []
