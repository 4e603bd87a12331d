"""The deploy files say what the code does. There is no container runtime where the tests run,
so the compose file and the Dockerfile are read and checked, not run: services and images,
every variable the worker and the bot are given, the bot's health check, and what the image
installs and runs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.devserver import create_commands
from orchestration.settings import Settings
from tests.docs_reading import ROOT, subcommands
from tests.test_docs import cli_parser, temporal_envconfig_reads

pytestmark = pytest.mark.unit

DEPLOY = ROOT / "deploy"
SERVICES = {"postgresql", "temporal", "temporal-ui", "worker", "bot"}
IMAGES = {
    "postgresql": "postgres:",
    "temporal": "temporalio/auto-setup:",
    "temporal-ui": "temporalio/ui:",
}
SECRETISH = re.compile(r"TOKEN|SECRET|API_KEY|PASSWORD|_KEY_", re.IGNORECASE)


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yml").read_text()))


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continued lines joined), as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines)
        if word and not word.startswith("#")
    ]


def instructions(name: str) -> list[str]:
    return [rest for word, rest in dockerfile() if word == name]


def chatops_commands() -> set[str]:
    return {path for path, _ in subcommands(cli_parser())}


def test_the_services_and_their_images() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    for name, image in IMAGES.items():
        assert services[name]["image"].startswith(image), name
    for part in ("worker", "bot"):
        assert services[part]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[part]["command"] == [part]


def test_the_worker_and_bot_get_only_settings_chatops_reads(tmp_path: Path) -> None:
    settings = {field.alias or name for name, field in Settings.model_fields.items()}
    services = compose()["services"]
    given = {name for part in ("worker", "bot") for name in services[part]["environment"]}
    unknown = {
        name
        for name in given - settings
        if not (name.startswith("TEMPORAL_") and temporal_envconfig_reads(name, tmp_path))
    }
    assert unknown == set()
    for part in ("worker", "bot"):
        environment = services[part]["environment"]
        assert environment["TEMPORAL_ADDRESS"] == "temporal:7233"
        # Credentials come from the environment of whoever runs compose, never a value here.
        secrets = {k: v for k, v in environment.items() if SECRETISH.search(k)}
        assert all(str(v).startswith("${") for v in secrets.values()), secrets


def test_the_bot_listens_beyond_its_container_and_is_health_checked() -> None:
    bot = compose()["services"]["bot"]
    port = bot["environment"]["CHATOPS_BOT_PORT"]
    assert bot["environment"]["CHATOPS_BOT_HOST"] == "0.0.0.0"
    check = " ".join(bot["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert bot["ports"][0].endswith(f":{port}")


def test_the_image_installs_the_package_and_runs_chatops_as_a_user() -> None:
    (base,) = instructions("FROM")
    assert base == "python:3.11-slim"
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {name.rstrip("*") for name in include["packages"]["find"]["include"]}
    copied = {rest.split()[0] for rest in instructions("COPY")}
    assert packages <= copied
    assert any(rest.startswith("pip install .") for rest in instructions("RUN"))
    user = instructions("USER")[-1]
    assert user.split(":")[0] not in ("root", "0")
    assert json.loads(instructions("ENTRYPOINT")[-1]) == ["chatops"]
    (command,) = json.loads(instructions("CMD")[-1])
    assert command in chatops_commands()
    assert [
        rest for rest in instructions("ENV") + instructions("ARG") if SECRETISH.search(rest)
    ] == []


def test_the_compose_commands_are_chatops_commands() -> None:
    services = compose()["services"]
    assert {" ".join(services[part]["command"]) for part in ("worker", "bot")} <= chatops_commands()


def test_the_readme_gives_the_search_attribute_commands_the_worker_logs() -> None:
    text = (DEPLOY / "README.md").read_text()
    assert [c for c in create_commands("$TEMPORAL_NAMESPACE") if f"$ {c}\n" not in text] == []


def test_every_compose_variable_is_in_the_example_or_the_readme() -> None:
    raw = (DEPLOY / "compose.yml").read_text()
    documented = (DEPLOY / "example.env").read_text() + (DEPLOY / "README.md").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", raw))
    assert sorted(name for name in used if name not in documented) == []
