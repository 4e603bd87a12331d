"""The sim enforces the app manifest: scopes, slash commands, bot events and the Home tab."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    APPROVERS_GROUP_ID,
    BOT_USER_ID,
    DEFAULT_BOT_TOKEN,
    ENGINEERING_CHANNEL_ID,
    GENERAL_CHANNEL_ID,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)
from slacksim.api import METHODS
from slacksim.manifest import (
    DEFAULT_MANIFEST_PATH,
    METHOD_SCOPES,
    Manifest,
    load_manifest,
    parse_manifest,
)
from slacksim.seed import BOT_SCOPES
from tests.slacksim.cards import reason_modal
from tests.slacksim.conftest import FakeBot
from tests.test_manifest import METHOD_SCOPES as PROJECT_METHOD_SCOPES

PROJECT_SCOPES = (
    "chat:write",
    "chat:write.public",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "usergroups:read",
    "users:read",
    "im:write",
    "im:history",
    "commands",
    "files:write",
)
UseManifest = Callable[..., Manifest]


@pytest.fixture
def use_manifest(sim: SlackSim, tmp_path: Path) -> UseManifest:
    """Write a manifest file with the given scopes, commands, Home tab and bot events; the sim
    loads it."""

    def write(
        scopes: Sequence[str],
        commands: Sequence[str] = (),
        *,
        home: bool = False,
        events: Sequence[str] = (),
    ) -> Manifest:
        document = {
            "_metadata": {"major_version": 1, "minor_version": 1},
            "display_information": {"name": "chatops"},
            "features": {
                "bot_user": {"display_name": "chatops"},
                "app_home": {"home_tab_enabled": home},
                "slash_commands": [{"command": c, "description": "run"} for c in commands],
            },
            "oauth_config": {"scopes": {"bot": list(scopes)}},
            "settings": {
                "event_subscriptions": {"bot_events": list(events)},
                "interactivity": {"is_enabled": True},
                "socket_mode_enabled": False,
            },
        }
        path = tmp_path / "manifest.yml"
        path.write_text(yaml.safe_dump(document))
        sim.workspace.manifest = load_manifest(path)
        return sim.workspace.manifest

    return write


async def refusal(call: Awaitable[Any]) -> dict[str, Any]:
    """Await a call that must fail with HTTP 200; return the whole answer."""
    with pytest.raises(SlackApiError) as failure:
        await call
    assert failure.value.response.status_code == 200
    return dict(failure.value.response.data)


def test_the_project_manifest_is_read() -> None:
    manifest = load_manifest()

    assert manifest.path == DEFAULT_MANIFEST_PATH
    assert manifest.bot_scopes == PROJECT_SCOPES
    assert manifest.scope_header == ",".join(PROJECT_SCOPES)
    assert manifest.slash_commands == frozenset({"/workflow", "/schedule", "/flow"})
    assert manifest.bot_events == frozenset({"app_home_opened"})
    assert (manifest.subscribes("app_home_opened"), manifest.subscribes("app_mention")) == (
        True,
        False,
    )
    assert (manifest.home_tab_enabled, manifest.messages_tab_enabled) == (True, True)
    assert manifest.interactivity_enabled is True
    assert manifest.socket_mode_enabled is False


def test_without_a_manifest_everything_is_granted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="slacksim.manifest"):
        manifest = load_manifest(tmp_path / "absent.yml")

    assert manifest == Manifest()
    assert manifest.bot_scopes == BOT_SCOPES
    assert manifest.declares("/anything") is True
    assert manifest.bot_events is None
    assert manifest.subscribes("app_home_opened") is True
    assert (manifest.home_tab_enabled, manifest.messages_tab_enabled) == (True, True)
    assert [r.getMessage() for r in caplog.records] == [
        f"no app manifest at {tmp_path / 'absent.yml'}; granting every scope and slash command"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "- a list\n",
        "features:\n  slash_commands:\n    - description: no command\n",
        "settings:\n  event_subscriptions:\n    bot_events: app_home_opened\n",
        "settings:\n  event_subscriptions:\n    bot_events:\n      - {name: app_home_opened}\n",
    ],
    ids=["not-a-mapping", "command-without-name", "events-not-a-list", "event-not-a-name"],
)
def test_an_unreadable_manifest_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "manifest.yml"
    path.write_text(text)

    with pytest.raises(ValueError, match="manifest"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("settings", "events"),
    [
        ({}, frozenset()),
        ({"event_subscriptions": {"request_url": "https://x/slack/events"}}, frozenset()),
        (
            {"event_subscriptions": {"bot_events": ["app_home_opened", "app_mention"]}},
            frozenset({"app_home_opened", "app_mention"}),
        ),
    ],
    ids=["no-subscriptions", "no-bot-events", "two-events"],
)
def test_bot_events_are_read_from_event_subscriptions(
    settings: dict[str, Any], events: frozenset[str]
) -> None:
    manifest = parse_manifest({"settings": settings})

    assert manifest.bot_events == events
    assert manifest.subscribes("app_home_opened") is ("app_home_opened" in events)


def test_extended_subscribes_to_more_events() -> None:
    manifest = parse_manifest({"settings": {"event_subscriptions": {"bot_events": ["a"]}}})

    assert manifest.extended(events=("b",)).bot_events == frozenset({"a", "b"})
    assert Manifest().extended(events=("b",)).bot_events is None


async def test_missing_scope_names_needed_and_provided(
    sim: SlackSim, slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest(["chat:write", "channels:read"])

    answer = await refusal(slack.usergroups_users_list(usergroup=APPROVERS_GROUP_ID))

    assert answer == {
        "ok": False,
        "error": "missing_scope",
        "needed": "usergroups:read",
        "provided": "chat:write,channels:read",
    }
    [call] = sim.calls_to("usergroups.users.list")
    assert (call.status, call.ok, call.error) == (200, False, "missing_scope")


async def test_one_of_the_alternative_scopes_is_enough(
    slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest(["groups:read"])
    listed = await slack.conversations_list()
    use_manifest(["chat:write"])
    refused = await refusal(slack.conversations_info(channel=GENERAL_CHANNEL_ID))

    assert [c["id"] for c in listed["channels"]] == [
        APPROVALS_CHANNEL_ID,
        GENERAL_CHANNEL_ID,
        ENGINEERING_CHANNEL_ID,
    ]
    assert (refused["needed"], refused["provided"]) == ("channels:read,groups:read", "chat:write")


async def test_scopes_are_checked_before_arguments(
    sim: SlackSim, slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest([])

    answer = await refusal(slack.chat_postMessage(channel="#nowhere", text="hi"))
    me = await slack.auth_test()
    opened = await slack.views_open(
        trigger_id=sim.workspace.new_trigger(APPROVER_ID), view=reason_modal()
    )

    assert (answer["error"], answer["needed"], answer["provided"]) == (
        "missing_scope",
        "chat:write",
        "",
    )
    assert me["user_id"] == BOT_USER_ID
    assert opened["view"]["title"]["text"] == "Reject"


async def test_the_project_manifest_grants_names_but_not_emails() -> None:
    async with running_sim() as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url, retry_handlers=[])
        answer = await slack.users_info(user=APPROVER_ID)
        history = await slack.conversations_history(channel=APPROVALS_CHANNEL_ID)

    profile = answer["user"]["profile"]
    assert (profile["display_name"], "email" in profile) == ("alex", False)
    assert answer.headers["x-oauth-scopes"] == ",".join(PROJECT_SCOPES)
    assert history["messages"] == []


@pytest.mark.parametrize(
    ("scopes", "error"),
    [(["chat:write"], "not_in_channel"), (["chat:write", "chat:write.public"], None)],
    ids=["invited-only", "chat-write-public"],
)
async def test_posting_uninvited_needs_chat_write_public(
    sim: SlackSim,
    slack: AsyncWebClient,
    use_manifest: UseManifest,
    scopes: list[str],
    error: str | None,
) -> None:
    use_manifest(scopes)
    sim.workspace.channels[GENERAL_CHANNEL_ID].members.discard(BOT_USER_ID)
    post = slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="card")

    if error is None:
        answer = await post
        assert [m["ts"] for m in sim.messages(GENERAL_CHANNEL_ID)] == [answer["ts"]]
    else:
        assert (await refusal(post))["error"] == error
        assert sim.messages(GENERAL_CHANNEL_ID) == []


async def test_an_undeclared_command_never_reaches_the_app(sim: SlackSim, bot: FakeBot) -> None:
    delivery = await sim.slash(REQUESTER_ID, APPROVALS_CHANNEL_ID, "/deploy", "prod")

    assert (delivery.error, delivery.kind, delivery.ok) == (
        "not_a_valid_command",
        "slash_command",
        False,
    )
    assert (delivery.status, delivery.request) == (None, None)
    assert bot.received == []
    assert sim.deliveries == [delivery]


async def test_a_declared_command_is_delivered(
    sim: SlackSim, bot: FakeBot, use_manifest: UseManifest
) -> None:
    use_manifest(["chat:write"], ["/deploy"])

    delivery = await sim.slash(REQUESTER_ID, APPROVALS_CHANNEL_ID, "/deploy", "prod")

    assert (delivery.status, delivery.error) == (200, None)
    assert [(r.data["command"], r.data["text"]) for r in bot.received] == [("/deploy", "prod")]


async def test_views_publish_needs_the_home_tab(
    sim: SlackSim, slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest([], home=False)
    home = {"type": "home", "blocks": [{"type": "divider"}]}

    answer = await refusal(slack.views_publish(user_id=APPROVER_ID, view=home))

    assert answer["error"] == "not_enabled"
    assert sim.workspace.home_view(APPROVER_ID) is None


async def test_views_publish_stores_the_home_tab_per_user(
    sim: SlackSim, slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest([], home=True)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "*2* approvals waiting"}}

    first = (await slack.views_publish(user_id=APPROVER_ID, view={"type": "home"}))["view"]
    second = await slack.views_publish(
        user_id=APPROVER_ID, view={"type": "home", "blocks": [section]}, hash=first["hash"]
    )
    stale = await refusal(
        slack.views_publish(user_id=APPROVER_ID, view={"type": "home"}, hash=first["hash"])
    )

    stored = sim.workspace.home_view(APPROVER_ID)
    assert stored is not None
    assert (stored["id"], stored["type"], stored["hash"]) == (
        first["id"],
        "home",
        second["view"]["hash"],
    )
    assert stored["blocks"][0]["text"]["text"] == "*2* approvals waiting"
    assert stale["error"] == "hash_conflict"
    assert sim.workspace.home_view(REQUESTER_ID) is None


@pytest.mark.parametrize(
    ("user", "view", "error"),
    [
        (APPROVER_ID, reason_modal(), "invalid_arguments"),
        (APPROVER_ID, {"type": "home", "blocks": [{"type": "divider"}] * 101}, "invalid_arguments"),
        ("U0NOBODY00", {"type": "home"}, "user_not_found"),
    ],
    ids=["a-modal", "101-blocks", "unknown-user"],
)
async def test_views_publish_refusals(
    slack: AsyncWebClient,
    use_manifest: UseManifest,
    user: str,
    view: dict[str, Any],
    error: str,
) -> None:
    use_manifest([], home=True)
    hundred = {"type": "home", "blocks": [{"type": "divider"}] * 100}

    assert (await refusal(slack.views_publish(user_id=user, view=view)))["error"] == error
    assert (
        len((await slack.views_publish(user_id=APPROVER_ID, view=hundred))["view"]["blocks"]) == 100
    )


def test_every_method_has_a_scope_entry_that_agrees_with_the_project() -> None:
    assert set(METHODS) <= set(METHOD_SCOPES)
    for method, needed in PROJECT_METHOD_SCOPES.items():
        assert set(METHOD_SCOPES[method]) == needed, method


async def test_app_home_opened_needs_the_subscription_and_the_home_tab(
    sim: SlackSim, bot: FakeBot, use_manifest: UseManifest
) -> None:
    use_manifest([], home=True)
    unsubscribed = await sim.open_home(APPROVER_ID)
    use_manifest([], home=False, events=["app_home_opened"])
    home_off = await sim.open_home(APPROVER_ID)
    use_manifest([], home=True, events=["app_home_opened"])
    delivered = await sim.open_home(APPROVER_ID)

    assert [unsubscribed.error, home_off.error, delivered.error] == [
        "event_not_subscribed",
        "home_tab_disabled",
        None,
    ]
    assert [r.data["event"]["type"] for r in bot.received] == ["app_home_opened"]


async def test_get_permalink_needs_no_scope(
    sim: SlackSim, slack: AsyncWebClient, use_manifest: UseManifest
) -> None:
    use_manifest([])
    message = sim.workspace.post(APPROVALS_CHANNEL_ID, "card", [])

    answer = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=message.ts)

    assert answer["permalink"].endswith(f"/p{message.ts.replace('.', '')}")
