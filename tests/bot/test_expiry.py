"""What a card says about expiry, for every kind of request and every ``on_expiry``: before
the deadline (the promise) and after it (what happened), always what the workflow does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.cards import approval_card
from orchestration.models.approval import (
    ApprovalRequest,
    ApprovalState,
    ApprovalStatus,
    CardInput,
    ExpiryOutcome,
)
from tests.bot.test_cards import assert_valid_blocks

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
CANCEL, REJECT, APPROVE = ExpiryOutcome.CANCEL, ExpiryOutcome.REJECT, ExpiryOutcome.APPROVE
PROMISES = {
    ("order", CANCEL): "Expires at 14:05 UTC if nobody decides: the order is cancelled.",
    ("order", REJECT): "Rejected automatically at 14:05 UTC if nobody decides: "
    "the order is cancelled.",
    ("order", APPROVE): "Approved automatically at 14:05 UTC if nobody decides: "
    "the order goes ahead.",
    ("ticket", CANCEL): "Expires at 14:05 UTC if nobody decides: the ticket stays with support.",
    ("ticket", REJECT): "Rejected automatically at 14:05 UTC if nobody decides: "
    "the ticket stays with support.",
    ("ticket", APPROVE): "Approved automatically at 14:05 UTC if nobody decides: "
    "the ticket is escalated to engineering.",
    ("agent task", CANCEL): "Expires at 14:05 UTC if nobody decides: the task does not run.",
    ("agent task", REJECT): "Rejected automatically at 14:05 UTC if nobody decides: "
    "the task does not run, and the agent is told.",
    ("agent task", APPROVE): "Approved automatically at 14:05 UTC if nobody decides: "
    "the task runs.",
    # A kind other workflows bring (the approval service): only what the request becomes.
    ("deploy", CANCEL): "Expires at 14:05 UTC if nobody decides.",
    ("deploy", REJECT): "Rejected automatically at 14:05 UTC if nobody decides.",
    ("deploy", APPROVE): "Approved automatically at 14:05 UTC if nobody decides.",
}
EXPIRED = {
    CANCEL: "*Expired* at 14:05 UTC: nobody decided in time.",
    REJECT: "*Expired* at 14:05 UTC: nobody decided in time. The policy rejects it on expiry.",
    APPROVE: "*Expired* at 14:05 UTC: nobody decided in time. The policy approves it on expiry.",
}


def card(kind: str, on_expiry: ExpiryOutcome, status: ApprovalStatus) -> CardInput:
    # The phrase a workflow once chose is ignored: the card reads the state.
    request = ApprovalRequest(
        kind=kind, subject_id="X-1", title="Something", expiry_effect="auto-cancels"
    )
    state = ApprovalState(
        request_id="1",
        kind=kind,
        subject_id="X-1",
        title="Something",
        status=status,
        requested_at=NOW,
        deadline=NOW + timedelta(minutes=5),
        decided_at=NOW + timedelta(minutes=5) if status is ApprovalStatus.EXPIRED else None,
        on_expiry=on_expiry,
    )
    return CardInput(request=request, state=state, workflow_id="wf-1", card_key="k")


def sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


@pytest.mark.parametrize(("kind", "on_expiry"), list(PROMISES))
def test_a_pending_card_promises_exactly_what_expiry_does(
    kind: str, on_expiry: ExpiryOutcome
) -> None:
    message = approval_card(card(kind, on_expiry, ApprovalStatus.PENDING))
    assert_valid_blocks(message.blocks)
    promise = PROMISES[(kind, on_expiry)]
    context = next(b for b in message.blocks if b["type"] == "context")["elements"][0]["text"]
    assert context == f"Requested by chatops at 14:00 UTC · {promise}"
    assert message.text == f"Something needs approval. {promise}"


def test_kinds_are_read_as_people_and_the_policy_file_write_them() -> None:
    # Agent tasks say "agent task"; the policy file says "agent_task".
    message = approval_card(card("agent_task", APPROVE, ApprovalStatus.PENDING))
    assert PROMISES[("agent task", APPROVE)] in str(message.blocks)


@pytest.mark.parametrize(("kind", "on_expiry"), list(PROMISES))
def test_an_expired_card_says_what_the_expiry_amounted_to(
    kind: str, on_expiry: ExpiryOutcome
) -> None:
    message = approval_card(card(kind, on_expiry, ApprovalStatus.EXPIRED))
    assert_valid_blocks(message.blocks)
    assert sections(message.blocks) == [EXPIRED[on_expiry]]
    assert "if nobody decides" not in str(message.blocks)  # the promise is gone
    assert not any(b["type"] == "actions" for b in message.blocks)
