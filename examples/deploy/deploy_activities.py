"""The deploy example's one side effect: rolling a version out (here, only said in the log)."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity


@dataclass
class RollOut:
    """What to roll out, and where."""

    service: str
    version: str
    env: str
    canary: bool = False


@activity.defn(name="roll_out")
async def roll_out(rollout: RollOut) -> str:
    """Roll ``rollout`` out; returns what is live now. A real one would call the deploy tool."""
    how = " as a canary" if rollout.canary else ""
    done = f"{rollout.service} {rollout.version} is live in {rollout.env}{how}"
    activity.logger.info(done)
    return done
