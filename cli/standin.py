"""The local Slack stand-in's public defaults, handed to the settings of every command.

Without a workspace (no ``SLACK_BOT_TOKEN``) the stand-in's token, signing secret and seeded
people are in force; the settings learn them here, from the one part allowed to know the
stand-in.
"""

from __future__ import annotations

from orchestration.settings import Settings
from orchestration.stand_in import StandInDefaults
from slacksim import seed

STAND_IN = StandInDefaults(
    bot_token=seed.DEFAULT_BOT_TOKEN,
    app_token=seed.DEFAULT_APP_TOKEN,
    signing_secret=seed.DEFAULT_SIGNING_SECRET,
    requester=seed.REQUESTER_ID,
    operator=seed.OPERATOR_ID,
)


def load_settings() -> Settings:
    """The settings from the environment, with the stand-in's defaults."""
    return Settings().with_stand_in(STAND_IN)
