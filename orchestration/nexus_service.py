"""The ``chatops`` Nexus service: what workflows in other namespaces call to ask a human.

This module is the contract, shared by the handler (``orchestration/nexus_handler.py``) and
Python callers. It imports only models, so a caller's workflow module can import it inside
Temporal's workflow sandbox. Callers in other SDKs use the names and the JSON alone:

- **service** ``chatops``, **operation** ``request_approval``;
- **input** one JSON object shaped as ``RequestApprovalInput`` (docs/request-approval.md);
- **output** ``RequestApprovalResult`` as a JSON object.

The input is typed ``Any`` on purpose: the handler validates it with the same rules as
``RequestApproval`` itself, so a bad request from any SDK is refused with a message naming
each field instead of failing in the data converter. Python callers may pass a
``RequestApprovalInput`` or a plain dict.
"""

from __future__ import annotations

from typing import Any

import nexusrpc

from orchestration.models.request import RequestApprovalResult

SERVICE_NAME = "chatops"
REQUEST_APPROVAL = "request_approval"


@nexusrpc.service(name=SERVICE_NAME)
class ChatopsService:
    """Approval as a Nexus service, backed by the ``RequestApproval`` workflow."""

    request_approval: nexusrpc.Operation[Any, RequestApprovalResult]
