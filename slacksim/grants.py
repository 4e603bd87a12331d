"""What a user action grants the app for a short while: trigger_ids and response_urls.

Slack's rules: a trigger_id expires in three seconds and may only be used once
(https://api.slack.com/docs/triggers); a response_url is good for 5 uses within 30 minutes
(https://api.slack.com/interactivity/handling#message_responses).
"""

from __future__ import annotations

from dataclasses import dataclass

from slacksim.errors import SlackError

TRIGGER_TTL_S = 3.0
HOOK_MAX_USES = 5
HOOK_TTL_S = 30 * 60.0


@dataclass
class Trigger:
    """A trigger_id handed to the bot with a user action."""

    user: str
    created: float
    used: bool = False

    def exchange(self, now: float) -> str:
        """Use the trigger once and return its user; it must be unused and fresh."""
        if self.used:
            raise SlackError("exchanged_trigger_id")
        if now - self.created > TRIGGER_TTL_S:
            raise SlackError("expired_trigger_id")
        self.used = True
        return self.user


@dataclass
class Hook:
    """A response_url: where it answers and how often it was used."""

    channel: str
    user: str
    message_ts: str | None
    created: float
    uses: int = 0

    def use(self, now: float) -> None:
        """Count one use, enforcing Slack's use limit and lifetime."""
        if now - self.created > HOOK_TTL_S:
            raise SlackError("expired_url")
        if self.uses >= HOOK_MAX_USES:
            raise SlackError("used_url")
        self.uses += 1
