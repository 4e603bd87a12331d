"""Button clicks (``block_actions``)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from activities.cards import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.listeners.actions.approval import approve_clicked, edit_clicked, reject_clicked


def register(app: AsyncApp) -> None:
    """Attach the approval buttons' listeners."""
    app.action(APPROVE_ACTION)(approve_clicked)
    app.action(REJECT_ACTION)(reject_clicked)
    app.action(EDIT_ACTION)(edit_clicked)
