"""The audit export: every decision attempt of a request, as the workflow judged it, read from
its Temporal history (no worker needed), written as JSON lines joined by a SHA-256 chain
(docs/audit.md). Shared by ``chatops audit`` and ``/workflow audit``."""
