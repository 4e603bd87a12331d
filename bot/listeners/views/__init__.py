"""Modal submissions (``view_submission``)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.cards import REJECT_VIEW
from bot.listeners.views.reject_reason import reject_reason_submitted


def register(app: AsyncApp) -> None:
    """Attach the reject-reason modal's listener."""
    app.view(REJECT_VIEW)(reject_reason_submitted)
