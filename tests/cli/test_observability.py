"""Logs and tracing as a process sets them up from its settings: tracing off by default with
nothing of it loaded, JSON lines that parse and redact, and bad values refused by name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.processes import isolated_env
from slacksim import DEFAULT_SIGNING_SECRET
from tests.cli.test_cli import ROOT, chatops

# Sets up a bot's logs and tracing as `chatops bot` does, logs a line with secrets in it, and
# says on stdout what got loaded and configured.
PROBE = f"""
import json, logging, sys
from cli.observability import start_observing, stop_observing
from cli.standin import load_settings
from orchestration.tracing import chatops_tracer, client_interceptors
import bot.main, orchestration.worker

settings = load_settings()
provider = start_observing("bot", settings, verbose=False)
logging.getLogger("probe").warning(
    "token xoxb-1-2-abc, refresh xoxe.xoxp-1-def, secret %s", {DEFAULT_SIGNING_SECRET!r}
)
trace = sys.modules.get("opentelemetry.trace")
print(json.dumps({{
    "provider": type(provider).__name__ if provider else None,
    "global": type(trace.get_tracer_provider()).__name__ if trace else None,
    "interceptors": [type(i).__name__ for i in client_interceptors(settings)],
    "tracer": chatops_tracer(settings) is not None,
    "sdk": "opentelemetry.sdk.trace" in sys.modules,
    "otlp": any(m.startswith("opentelemetry.exporter.otlp") for m in sys.modules),
}}))
stop_observing(provider)
"""


def probe(**settings: str) -> tuple[dict[str, object], list[str]]:
    """What the probe found, and the log lines it wrote (stderr)."""
    env, _ = isolated_env()
    # Where OTLP would send: a closed port on loopback (the probe makes no span to send).
    env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", **settings}
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), run.stderr.splitlines()


OFF: dict[str, object] = {
    "provider": None,
    "interceptors": [],
    "tracer": False,
    "sdk": False,
    "otlp": False,
}


def test_tracing_is_off_by_default_with_nothing_of_it_loaded() -> None:
    found, lines = probe()
    assert found.pop("global") in (None, "ProxyTracerProvider")
    assert found == OFF
    [line] = lines
    assert line.endswith(
        " bot       WARNING probe: token [redacted], refresh [redacted], secret [redacted]"
    )


@pytest.mark.parametrize("mode", ["console", "otlp"])
def test_one_setting_turns_tracing_on(mode: str) -> None:
    found, _ = probe(CHATOPS_TRACING=mode)
    assert found == {
        "provider": "TracerProvider",
        "global": "TracerProvider",
        "interceptors": ["TracingInterceptor"],
        "tracer": True,
        "sdk": True,
        "otlp": mode == "otlp",
    }


def test_json_lines_parse_and_never_show_a_secret() -> None:
    found, lines = probe(CHATOPS_LOG_FORMAT="json", CHATOPS_TRACING="console")
    assert found["tracer"] is True
    [line] = [json.loads(text) for text in lines if text.startswith("{")]
    assert line.pop("time").endswith("+00:00")
    assert line == {
        "level": "WARNING",
        "logger": "probe",
        "message": "token [redacted], refresh [redacted], secret [redacted]",
        "process": "bot",
    }


@pytest.mark.parametrize(
    ("variable", "value", "choices"),
    [
        ("CHATOPS_TRACING", "jaeger", "off, console, otlp"),
        ("CHATOPS_LOG_FORMAT", "yaml", "text, json"),
    ],
)
async def test_bad_values_stop_start_up_naming_the_setting(
    variable: str, value: str, choices: str
) -> None:
    env, _ = isolated_env()
    run = await chatops("start", "order", "--example", "small", env=env | {variable: value})
    assert (run.code, run.out) == (2, "")
    assert run.err == f"error: invalid settings:\n  {variable}: must be one of: {choices}\n"
