"""Button clicks (``block_actions``): the approval cards' buttons, and the confirmation of a
schedule's delete."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from activities.cards import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION
from bot.listeners.actions.approval import approve_clicked, edit_clicked, reject_clicked
from bot.listeners.actions.schedule_delete import delete_confirmed
from commands.schedule.delete import DELETE_ACTION


def register(app: AsyncApp) -> None:
    """Attach the buttons' listeners."""
    app.action(APPROVE_ACTION)(approve_clicked)
    app.action(REJECT_ACTION)(reject_clicked)
    app.action(EDIT_ACTION)(edit_clicked)
    app.action(DELETE_ACTION)(delete_confirmed)
