"""A stand-in for :func:`orchestration.flow_starts.start_flow`: the surfaces that start flows
(``/flow start``, ``POST /hooks/flows``, ``chatops up --demo``) are tested without the
driver workflow. It records every start, refuses when told to, and answers a business key
it has seen with ``already_started``, as the real one does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from orchestration.flow_starts import StartedFlow
from orchestration.settings import Settings
from tests.helpers import unique


@dataclass
class FakeStarter:
    """Records starts; ``raises``: what every start raises instead (a FlowStartRefused,
    TemporalUnreachable, the NotImplementedError of a driver not built yet)."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    raises: Exception | None = None
    # A real start to make after recording (start_flow, with a test's own settings).
    then: Callable[..., Awaitable[StartedFlow]] | None = None
    _keys: dict[str, str] = field(default_factory=dict)

    async def __call__(
        self, client: Client, settings: Settings, name: str, inputs: Mapping[str, Any], **how: Any
    ) -> StartedFlow:
        """As ``start_flow(client, settings, name, inputs, *, started_by, business_key,
        ui_url)``."""
        if self.raises is not None:
            raise self.raises
        business_key = how.get("business_key")
        call = {"name": name, "inputs": dict(inputs), "started_by": how["started_by"]}
        self.calls.append({**call, "business_key": business_key})
        if self.then is not None:
            return await self.then(client, settings, name, inputs, **how)
        if business_key is not None and business_key in self._keys:
            return StartedFlow(self._keys[business_key], already_started=True)
        workflow_id = f"flow-{name}-{business_key or unique('run')}"
        if business_key is not None:
            self._keys[business_key] = workflow_id
        return StartedFlow(workflow_id)
