"""What went wrong connecting to Temporal, in one line a person can act on.

Temporal's client reports connection problems as the Rust core's text
(``tonic::transport::Error(Transport, ConnectError(... InvalidCertificate(UnknownIssuer) ...))``);
these functions turn that, and the namespace check's answer, into a sentence that names the
address and the setting to look at, and tell whether trying again can help: a server that is
down may come back, a certificate nobody trusts will not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from temporalio.service import RPCError, RPCStatusCode

# How much of the core's own text a message keeps, after what it says in plain words.
DETAIL_CHARS = 200

CA_HINT = (
    "set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed the server's certificate "
    "(and TEMPORAL_TLS_SERVER_NAME if it names another host)"
)
CLIENT_CERT_HINT = (
    "check TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: a PEM certificate "
    "the server's CA signed, and its own PEM key"
)
NOT_TLS_HINT = (
    "it does not seem to speak TLS; without TLS there, unset TEMPORAL_TLS, TEMPORAL_TLS_* and "
    "TEMPORAL_API_KEY (an API key turns TLS on)"
)


@dataclass(frozen=True)
class Diagnosis:
    """A connection problem in words, and whether it may go away by itself."""

    text: str
    lasting: bool


REFUSED = "the credentials were refused (TEMPORAL_API_KEY or the client certificate)"
NOT_TLS = f"TLS handshake failed: {NOT_TLS_HINT}"
CLOSED = (
    "TLS: the server closed the connection during the handshake (a server that requires a "
    f"client certificate does so without one it trusts); {CLIENT_CERT_HINT}"
)
CUT = (
    "the server cut the connection (a server that requires TLS does so to a client without "
    "it: set TEMPORAL_TLS=true, or TEMPORAL_TLS_SERVER_CA_CERT_PATH, or TEMPORAL_API_KEY)"
)

# (pattern in the core's text, lowercased; what it means; whether it lasts)
_TRANSPORT: tuple[tuple[str, str, bool], ...] = (
    ("connection refused", "connection refused", False),
    ("dns error", "the host name does not resolve", False),
    ("invalidcertificate", f"TLS: the server's certificate is not trusted; {CA_HINT}", True),
    ("invalidmessage", NOT_TLS, True),
    ("corruptmessage", NOT_TLS, True),
    ("privatekeyparseerror", f"TLS client key unreadable; {CLIENT_CERT_HINT}", True),
    ("inconsistentkeys", f"TLS client key does not fit the certificate; {CLIENT_CERT_HINT}", True),
    ("client cert and private key", f"TLS client cert or key missing; {CLIENT_CERT_HINT}", True),
    ("alertreceived", f"TLS: the server refused the handshake; {CLIENT_CERT_HINT}", True),
    # Also what a connection cut mid-handshake looks like: not taken as lasting.
    ("close_notify", CLOSED, False),
    ("broken pipe", CUT, False),
    ("unauthenticated", REFUSED, True),
    ("permissiondenied", REFUSED, True),
)

# Said well enough in words: the core's text would add only noise.
_PLAIN = frozenset({"connection refused", "dns error", "close_notify", "broken pipe"})
_CORE_ERROR = re.compile(r"(InvalidCertificate|AlertReceived|InvalidMessage)\([^\n]*?\)\)?")


def _detail(text: str) -> str:
    """The telling part of the core's text (``InvalidCertificate(UnknownIssuer)``), short."""
    found = _CORE_ERROR.search(text)
    detail = found.group(0) if found else text
    return detail[:DETAIL_CHARS] + ("..." if len(detail) > DETAIL_CHARS else "")


def diagnose_connect_error(err: Exception) -> Diagnosis:
    """What an exception from ``Client.connect`` means."""
    text = str(err)
    lowered = text.lower()
    for pattern, meaning, lasting in _TRANSPORT:
        if pattern in lowered:
            plain = pattern in _PLAIN
            return Diagnosis(meaning if plain else f"{meaning} ({_detail(text)})", lasting)
    return Diagnosis(_detail(text), False)


def diagnose_namespace_error(err: RPCError, namespace: str) -> Diagnosis:
    """What the server's answer to describing ``namespace`` means."""
    if err.status is RPCStatusCode.NOT_FOUND:
        return Diagnosis(
            f"namespace {namespace!r} does not exist there; create it, or set TEMPORAL_NAMESPACE "
            "to one that does",
            True,
        )
    if err.status in (RPCStatusCode.UNAUTHENTICATED, RPCStatusCode.PERMISSION_DENIED):
        return Diagnosis(
            f"the credentials were refused for namespace {namespace!r} (TEMPORAL_API_KEY or the "
            f"client certificate): {err.message[:DETAIL_CHARS]}",
            True,
        )
    return Diagnosis(f"{err.status.name}: {err.message[:DETAIL_CHARS]}", False)
