"""Connection settings and failures become one line naming the address and the setting to
fix; the ones that cannot go away by themselves are not waited for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.service import RPCError, RPCStatusCode

from orchestration.client import (
    TemporalMisconfigured,
    _failure,
    connect_config,
)
from orchestration.connection_errors import diagnose_connect_error, diagnose_namespace_error
from orchestration.settings import Settings

pytestmark = pytest.mark.unit

# What Temporal's client (temporalio 1.35) said, word for word, when a TLS proxy in front of a
# dev server was reached with each of these mistakes.
CORE = "Failed client connect: Server connection error: tonic::transport::Error(Transport, "
WRONG_CA = CORE + (
    "ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))"
)
NOT_TLS = CORE + (
    "ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) }))"
)
BAD_KEY = CORE + "PrivateKeyParseError)"
KEY_MISMATCH = CORE + "InconsistentKeys(KeyMismatch))"
NO_CLIENT_CERT = (
    "Failed client connect: `get_system_info` call error after connection: Status { code: "
    'Unknown, message: "transport error", source: Some(tonic::transport::Error(Transport, '
    'hyper::Error(Io, Custom { kind: UnexpectedEof, error: "peer closed connection without '
    'sending TLS close_notify: https://docs.rs/rustls/" }))) }'
)
PLAIN_TO_TLS = (
    "Failed client connect: `get_system_info` call error after connection: Status { code: "
    'Unknown, message: "transport error", source: Some(tonic::transport::Error(Transport, '
    'hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken '
    'pipe" }))) }'
)
REFUSED = CORE + (
    'ConnectError(ConnectError("tcp connect error", 127.0.0.1:1, Os { code: 111, kind: '
    'ConnectionRefused, message: "Connection refused" })))'
)
TARGET = {"target_host": "temporal.example:7233", "namespace": "ops"}


@pytest.mark.parametrize(
    ("said", "words", "lasting"),
    [
        (WRONG_CA, "certificate is not trusted", True),
        (NOT_TLS, "does not seem to speak TLS", True),
        (BAD_KEY, "TEMPORAL_TLS_CLIENT_KEY_PATH", True),
        (KEY_MISMATCH, "does not fit the certificate", True),
        ("Must have both client cert and private key or neither", "missing", True),
        (NO_CLIENT_CERT, "requires a client certificate", False),
        (PLAIN_TO_TLS, "set TEMPORAL_TLS=true", False),
        (REFUSED, "connection refused", False),
    ],
)
def test_each_failure_says_what_to_fix(said: str, words: str, lasting: bool) -> None:
    diagnosis = diagnose_connect_error(RuntimeError(said))
    assert words in diagnosis.text
    assert diagnosis.lasting is lasting
    failure = _failure(TARGET, diagnosis)
    assert isinstance(failure, TemporalMisconfigured) is lasting
    assert "temporal.example:7233 (namespace ops)" in str(failure)


def test_a_wrong_ca_names_tls_the_setting_and_the_cause() -> None:
    text = str(_failure(TARGET, diagnose_connect_error(RuntimeError(WRONG_CA))))
    assert text.startswith("cannot use Temporal at temporal.example:7233 (namespace ops): TLS")
    assert "TEMPORAL_TLS_SERVER_CA_CERT_PATH" in text
    assert text.endswith("(InvalidCertificate(UnknownIssuer))")


@pytest.mark.parametrize(
    ("status", "words", "lasting"),
    [
        (RPCStatusCode.NOT_FOUND, "namespace 'ops' does not exist", True),
        (RPCStatusCode.PERMISSION_DENIED, "credentials were refused", True),
        (RPCStatusCode.UNAUTHENTICATED, "credentials were refused", True),
        (RPCStatusCode.UNAVAILABLE, "UNAVAILABLE", False),
    ],
)
def test_the_namespace_check(status: RPCStatusCode, words: str, lasting: bool) -> None:
    diagnosis = diagnose_namespace_error(RPCError("no", status, b""), "ops")
    assert words in diagnosis.text
    assert diagnosis.lasting is lasting


@pytest.fixture
def no_temporal_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No TEMPORAL_* variable of this machine's, and no default config file of its user."""
    for name in [n for n in os.environ if n.startswith("TEMPORAL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return monkeypatch


def test_a_tls_file_that_is_not_there_is_named(no_temporal_env: pytest.MonkeyPatch) -> None:
    no_temporal_env.setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
    no_temporal_env.setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", "/nowhere/ca.pem")
    with pytest.raises(TemporalMisconfigured, match=r"cannot read /nowhere/ca\.pem, named by"):
        connect_config(Settings())


def test_a_config_file_that_is_not_there_is_refused(
    no_temporal_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # envconfig alone would ignore it, and chatops would quietly use the embedded server.
    no_temporal_env.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "tempral.toml"))
    with pytest.raises(TemporalMisconfigured, match=r"tempral\.toml, which is not a file"):
        connect_config(Settings())


def test_a_broken_config_file_is_refused_without_quoting_it(
    no_temporal_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "temporal.toml"
    config.write_text('[profile.default]\naddress = "h:1"\napi_key = "key-do-not-show\n')
    no_temporal_env.setenv("TEMPORAL_CONFIG_FILE", str(config))
    with pytest.raises(TemporalMisconfigured, match="TOML parse error at line 3") as raised:
        connect_config(Settings())
    assert "key-do-not-show" not in str(raised.value)


def test_a_missing_profile_is_named(no_temporal_env: pytest.MonkeyPatch) -> None:
    no_temporal_env.setenv("TEMPORAL_PROFILE", "prod")
    with pytest.raises(TemporalMisconfigured, match="Profile 'prod' not found"):
        connect_config(Settings())


def test_an_api_key_turns_tls_on(no_temporal_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "temporal.toml"
    config.write_text(
        '[profile.cloud]\naddress = "ops.a1b2c.tmprl.cloud:7233"\nnamespace = "ops.a1b2c"\n'
    )
    no_temporal_env.setenv("TEMPORAL_CONFIG_FILE", str(config))
    no_temporal_env.setenv("TEMPORAL_PROFILE", "cloud")
    no_temporal_env.setenv("TEMPORAL_API_KEY", "key-from-env")
    loaded = connect_config(Settings())
    assert loaded["target_host"] == "ops.a1b2c.tmprl.cloud:7233"
    assert (loaded["namespace"], loaded["api_key"], loaded["tls"]) == (
        "ops.a1b2c",
        "key-from-env",
        True,
    )
