"""The shape of what a local Slack stand-in hands to the settings.

Without a workspace (no ``SLACK_BOT_TOKEN``) the stand-in's public credentials and the people
it seeds are in force. Whoever starts the stand-in builds these from it and hands them in
(:meth:`orchestration.settings.Settings.with_stand_in`), so nothing here imports the stand-in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StandInDefaults(BaseModel):
    """What is in force without a Slack workspace (no ``SLACK_BOT_TOKEN``): the local
    stand-in's public credentials and people, handed in by whoever starts the stand-in."""

    model_config = ConfigDict(frozen=True)

    bot_token: str
    app_token: str
    signing_secret: str
    requester: str
    operator: str

    @property
    def public_values(self) -> frozenset[str]:
        """The credentials anyone can read, which must never guard a real workspace."""
        return frozenset({self.bot_token, self.app_token, self.signing_secret})
