"""What the bad-input families found, case by case, and how it maps onto the tally.

- ``server_errors``: an HTTP 5xx from the bot;
- ``crashes``: a parser or validator that raised something other than its own clear error;
- ``unclear``: refused, but with no message, an empty one, a generic "something went wrong",
  or (for input over a limit) one that does not say what the limit is;
- ``over_limit_accepted``: input over a limit (Slack's, Temporal's, the contract's) that was
  taken instead of refused up front;
- ``stuck``: a workflow the cases started that failed its tasks or did not end or wait.

Into the counts that must be zero: server errors, crashes and unclear answers are ``lost``
(the person's input got no clear answer); input over a limit that was accepted is
``wrongly_accepted``; ``stuck`` is ``stuck``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.reliability.tally import Tally

PROBLEMS = ("server_errors", "crashes", "unclear", "over_limit_accepted", "stuck")
AS_LOST = ("server_errors", "crashes", "unclear")
MAX_NOTES = 25


@dataclass
class Results:
    """Cases by family, problems by kind, and the first few problems in words."""

    cases: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def case(self, family: str) -> None:
        self.cases[family] += 1

    def problem(self, kind: str, family: str, what: str) -> None:
        """Count a problem of ``kind`` (one of :data:`PROBLEMS`) and keep the first few."""
        assert kind in PROBLEMS, kind
        self.problems[kind] += 1
        if len(self.examples) < MAX_NOTES:
            self.examples.append(f"{kind} in {family}: {what[:400]}")

    def record(self, tally: Tally) -> None:
        """Sizes and problems into ``tally``, mapped onto the counts that must be zero."""
        tally.add("cases", sum(self.cases.values()))
        for family, count in sorted(self.cases.items()):
            tally.add(f"cases_{family}", count)
        for kind in PROBLEMS:
            tally.add(kind, self.problems[kind])
        tally.add("lost", sum(self.problems[kind] for kind in AS_LOST))
        tally.add("wrongly_accepted", self.problems["over_limit_accepted"])
        tally.notes.extend(self.examples)


def clear_text(text: str, limit_phrase: str | None = None) -> bool:
    """A refusal a person can act on: words, not a generic failure or a trace; naming the
    limit when the input was over one."""
    words = text.strip()
    if not words or "Traceback" in words or "something went wrong" in words:
        return False
    return limit_phrase is None or limit_phrase in words
