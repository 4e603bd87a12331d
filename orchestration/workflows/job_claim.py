"""JobClaimWorkflow: a bot's claim on one period of one of its periodic jobs.

Every bot replica schedules the digest and the card reconciler; before a run, a bot starts
this workflow with an id naming the job and its period. Temporal accepts only one start of
an id (the id may not be reused while the namespace keeps the closed run), so exactly one
replica wins the period and does the job; the others skip it. The workflow itself only
records the claim and ends.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orchestration.models.jobs import JobClaimInput


@workflow.defn
class JobClaimWorkflow:
    """One job's period, claimed; nothing to do but end."""

    @workflow.run
    async def run(self, input: JobClaimInput) -> str:
        """Return who claimed the period (the history records when)."""
        return input.claimed_by
