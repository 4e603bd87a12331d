"""slacksim: a local, stateful stand-in for Slack's Web API and for users acting in Slack.

It serves the Web API over real HTTP so the bot's unchanged ``AsyncWebClient`` can talk to it
(``base_url=sim.api_url``), and it delivers clicks, modal submissions and slash commands to the
bot signed with Slack's real signature scheme, or over Socket Mode while the bot holds a
connection (``AsyncSocketModeHandler(app, DEFAULT_APP_TOKEN)`` with ``app.client`` on the sim).
Typical use::

    async with running_sim(bot_url="http://127.0.0.1:3000/slack/events") as sim:
        client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        posted = await client.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="hi")
        await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, posted["ts"], "approve")
"""

from slacksim.delivery import Delivery, Transport
from slacksim.errors import SlackError
from slacksim.faults import AppliedFault, Fault, FaultKind, Faults
from slacksim.grants import TRIGGER_TTL_S
from slacksim.manifest import Manifest, load_manifest
from slacksim.post_limits import PostLimits, PostRecord
from slacksim.routes import CallRecord
from slacksim.seed import (
    APP_ID,
    APPROVALS_CHANNEL_ID,
    APPROVALS_CHANNEL_NAME,
    APPROVER2_ID,
    APPROVER_ID,
    APPROVERS_GROUP_HANDLE,
    APPROVERS_GROUP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    ENGINEERING_CHANNEL_ID,
    GENERAL_CHANNEL_ID,
    GENERAL_CHANNEL_NAME,
    OPERATOR_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)
from slacksim.server import SlackSim, running_sim, serve_forever
from slacksim.socket_mode import SocketModeHub
from slacksim.state import Workspace

__all__ = [
    "APPROVALS_CHANNEL_ID",
    "APPROVALS_CHANNEL_NAME",
    "APPROVER2_ID",
    "APPROVERS_GROUP_HANDLE",
    "APPROVERS_GROUP_ID",
    "APPROVER_ID",
    "APP_ID",
    "BOT_ID",
    "BOT_NAME",
    "BOT_USER_ID",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_SIGNING_SECRET",
    "ENGINEERING_CHANNEL_ID",
    "GENERAL_CHANNEL_ID",
    "GENERAL_CHANNEL_NAME",
    "OPERATOR_ID",
    "OUTSIDER_ID",
    "REQUESTER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "TRIGGER_TTL_S",
    "AppliedFault",
    "CallRecord",
    "Delivery",
    "Fault",
    "FaultKind",
    "Faults",
    "Manifest",
    "PostLimits",
    "PostRecord",
    "SlackError",
    "SlackSim",
    "SocketModeHub",
    "Transport",
    "Workspace",
    "load_manifest",
    "running_sim",
    "serve_forever",
]
