"""What users do in Slack, turned into payloads for the app: clicks, modal submissions, slash
commands, opening the Home tab and clicks in it.

Each action checks what the user acts on, builds the payload as Slack would (with a fresh
trigger_id and response_url where Slack gives them), hands it to the :class:`Deliverer`, and
applies the app's ack where Slack's client would (view and command acks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from slacksim import acks, payloads
from slacksim.delivery import Deliverer, Delivery
from slacksim.errors import SlackError
from slacksim.message import Message
from slacksim.seed import Channel, User
from slacksim.state import Workspace
from slacksim.views import View

_T = TypeVar("_T")
HOME_TABS = ("home", "messages")


class UserActions:
    """Users acting on the workspace; every action goes to the app through one deliverer.

    Args:
        workspace: The state the actions act on.
        deliverer: Sends the payloads to the app and logs them.
        hook_url: Builds the response_url for a hook token.
    """

    def __init__(
        self, workspace: Workspace, deliverer: Deliverer, hook_url: Callable[[str], str]
    ) -> None:
        self.workspace = workspace
        self.deliverer = deliverer
        self.hook_url = hook_url

    async def click(
        self,
        user_id: str,
        channel: str,
        ts: str,
        action_id: str,
        *,
        confirm: bool = True,
        as_shown: list[dict[str, Any]] | None = None,
    ) -> Delivery:
        """Click the button ``action_id`` on a message, as ``user_id``.

        ``as_shown`` gives the blocks as the user's client still shows them: a client that
        has not caught up with an update (offline, slow) sends a click on a stale button.

        Raises:
            LookupError: Unknown user, channel or message, or no such button.
        """
        user, chan = self._user(user_id), self._channel(channel)
        if chan.is_im and user.id not in chan.members:
            raise LookupError(f"{user_id} cannot see the direct messages {chan.id}")
        message = self._message(chan.id, ts)
        if as_shown is not None:
            message = dataclasses.replace(message, blocks=as_shown)
        block_id, button = payloads.find_button(message, action_id)
        if "confirm" in button and not confirm:
            return self.deliverer.cancelled()
        payload = payloads.block_actions(
            user=user,
            channel=chan,
            message=message,
            block_id=block_id,
            button=button,
            trigger_id=self.workspace.new_trigger(user.id),
            response_url=self.hook_url(self.workspace.new_hook(chan.id, user.id, message.ts)),
            action_ts=self.workspace.next_ts(),
        )
        return await self.deliverer.deliver("interactive", payload, "block_actions")

    async def submit_view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str]]
    ) -> Delivery:
        """Submit an open modal with ``values[block_id][action_id]`` typed in.

        Raises:
            LookupError: Unknown user or view, a view of another user, or an unknown input.
        """
        user, view = self._user(user_id), self._view(view_id)
        if view.user != user.id:
            raise LookupError(f"view {view_id} is open for {view.user}, not {user_id}")
        view.values = payloads.state_values(view, values)
        trigger_id = self.workspace.new_trigger(user.id)
        payload = payloads.view_submission(user=user, view=view, trigger_id=trigger_id)
        delivery = await self.deliverer.deliver("interactive", payload, "view_submission")
        if delivery.error is None:
            try:
                delivery.errors = acks.apply_view_ack(self.workspace, view, delivery.body)
            except SlackError as exc:
                delivery.error = exc.error
        return delivery

    async def slash(self, user_id: str, channel_id: str, command: str, text: str) -> Delivery:
        """Run a slash command; a text or JSON ack becomes a message for the user.

        A command the manifest does not declare never reaches the app: Slack's client answers
        "/x is not a valid command", logged here as the error ``not_a_valid_command``.

        Raises:
            LookupError: Unknown user or channel.
        """
        user, channel = self._user(user_id), self._channel(channel_id)
        if not self.workspace.manifest.declares(command):
            # The error name is ours: Slack's client only shows that sentence.
            return self.deliverer.refused("not_a_valid_command", "slash_command")
        fields = payloads.slash_command(
            user=user,
            channel=channel,
            command=command,
            text=text,
            response_url=self.hook_url(self.workspace.new_hook(channel.id, user.id, None)),
            trigger_id=self.workspace.new_trigger(user.id),
        )
        delivery = await self.deliverer.deliver("slash_commands", fields, "slash_command")
        if delivery.error is None and delivery.body.strip():
            try:
                acks.apply_command_ack(self.workspace, channel, user, delivery.body)
            except SlackError as exc:
                delivery.error = exc.error
        return delivery

    async def open_home(self, user_id: str, tab: str = "home") -> Delivery:
        """Open the app's Home (``tab`` ``home`` or ``messages``) as ``user_id``: an
        ``app_home_opened`` event carrying the Home view last published for them, if any.

        Slack sends nothing when the app does not subscribe to the event
        (``event_not_subscribed``) or its manifest hides that tab (``home_tab_disabled``,
        ``messages_tab_disabled``); those error names are ours, and the refusal is logged.

        Raises:
            LookupError: Unknown user.
            ValueError: ``tab`` is neither ``home`` nor ``messages``.
        """
        if tab not in HOME_TABS:
            raise ValueError(f"tab must be one of {HOME_TABS}, not {tab!r}")
        user, manifest = self._user(user_id), self.workspace.manifest
        if not manifest.subscribes("app_home_opened"):
            return self.deliverer.refused("event_not_subscribed", "event_callback")
        enabled = manifest.home_tab_enabled if tab == "home" else manifest.messages_tab_enabled
        if not enabled:
            return self.deliverer.refused(f"{tab}_tab_disabled", "event_callback")
        event = payloads.app_home_opened(
            user=user,
            channel_id=self.workspace.app_dm(user.id),
            tab=tab,
            event_ts=self.workspace.next_ts(),
            view=self.workspace.homes.get(user.id) if tab == "home" else None,
        )
        payload = payloads.event_callback(
            event, event_id=self.workspace.new_event_id(), event_time=int(self.workspace.clock())
        )
        return await self.deliverer.deliver("events_api", payload, "event_callback")

    async def click_home(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        confirm: bool = True,
        as_shown: list[dict[str, Any]] | None = None,
    ) -> Delivery:
        """Click the button ``action_id`` in the Home view last published for ``user_id``.

        A Home tab often lists many items with the same buttons: ``value`` picks the one with
        that value (the first with the action_id otherwise). ``as_shown`` gives the blocks as
        the user's client still shows them (one that has not caught up with a newer view).

        Raises:
            LookupError: Unknown user, no Home view published for them, or no such button.
        """
        user = self._user(user_id)
        home = self.workspace.homes.get(user.id)
        if home is None:
            raise LookupError(f"no Home view was published for {user_id}")
        if as_shown is not None:
            home = dataclasses.replace(home, spec={**home.spec, "blocks": as_shown})
        found = payloads.find_in_blocks(home.spec.get("blocks", []), action_id, value)
        if found is None:
            with_value = "" if value is None else f" and value {value!r}"
            raise LookupError(f"no button with action_id {action_id!r}{with_value} in {home.id}")
        block_id, button = found
        if "confirm" in button and not confirm:
            return self.deliverer.cancelled()
        payload = payloads.view_block_actions(
            user=user,
            view=home,
            block_id=block_id,
            button=button,
            trigger_id=self.workspace.new_trigger(user.id),
            action_ts=self.workspace.next_ts(),
        )
        return await self.deliverer.deliver("interactive", payload, "block_actions")

    def _user(self, user_id: str) -> User:
        return _found(lambda: self.workspace.user(user_id), f"user {user_id}")

    def _channel(self, channel: str) -> Channel:
        return _found(lambda: self.workspace.channel(channel), f"channel {channel}")

    def _message(self, channel_id: str, ts: str) -> Message:
        return _found(lambda: self.workspace.message(channel_id, ts), f"message {ts}")

    def _view(self, view_id: str) -> View:
        return _found(lambda: self.workspace.views.get(view_id), f"open view {view_id}")


def _found(find: Callable[[], _T], what: str) -> _T:
    """Turn a Slack "not found" into the LookupError that user-action helpers promise."""
    try:
        return find()
    except SlackError as exc:
        raise LookupError(f"no {what} ({exc.error})") from None
