"""Modal submissions (``view_submission``)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.views.edit_arguments import edited_arguments_submitted
from bot.listeners.views.reject_reason import reject_reason_submitted
from bot.modals import EDIT_VIEW, REJECT_VIEW


def register(app: AsyncApp) -> None:
    """Attach the modals' listeners."""
    app.view(REJECT_VIEW)(reject_reason_submitted)
    app.view(EDIT_VIEW)(edited_arguments_submitted)
