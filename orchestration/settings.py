"""Every setting chatops reads, in one pydantic-settings model.

Loaded only in entry points (CLI, worker, bot); library code receives values as arguments.
Temporal's own connection settings (``TEMPORAL_ADDRESS`` and friends) are read by
``temporalio.envconfig`` in :mod:`orchestration.client`, not here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, PrivateAttr, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from orchestration.durations import Bounds
from orchestration.models.scrape import ScrapeInput
from orchestration.setting_values import (
    OFF,
    blank_is_unset,
    cron_or_off,
    human_duration,
    known_time_zone,
    long_enough_secret,
    one_of,
    split_ids,
    url_base,
    url_prefixes,
    with_trailing_slash,
    within,
)
from orchestration.stand_in import StandInDefaults

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TASK_QUEUE = "chatops"
# The user's own policy, in the current directory; without it the one installed with chatops.
DEFAULT_POLICY_FILE = Path("policy.yml")
# Pages the bot serves under /samples/, scraped by default so the scrape job works offline.
SAMPLE_PAGES = ("status.html", "prices.html")
# What the bot serves for the example flows under ``chatops up --demo``: the default allow-list.
DEMO_PATH = "/demo/"

# Workflows the worker keeps between their tasks (the SDK's default), a few hundred KB each;
# fewer than are active at once makes their tasks replay history (docs/PERFORMANCE.md).
WORKFLOW_CACHE = 1000
WORKFLOW_CACHE_MAX = 10_000
# The worker's Prometheus endpoint (Temporal's SDK metrics and chatops' own), as Temporal's
# samples serve it; on loopback unless told otherwise.
WORKER_METRICS_PORT = 9464

# Slack allows about one message a second per channel; more than this is surely a typo.
SLACK_POSTS_PER_SECOND_MAX = 100.0

IdList = Annotated[list[str], NoDecode]
# Where spans go (docs/observability.md), the first the default; how log lines are written.
Tracing = Literal["off", "console", "otlp"]
LogFormat = Literal["text", "json"]

# The limits of the duration settings (documented in the README's configuration table).
AGENT_ACCEPT_TIMEOUT = Bounds(timedelta(seconds=1), timedelta(days=1))
SCRAPE_EVERY = Bounds(timedelta(minutes=1))
RECONCILE_EVERY = Bounds(timedelta(seconds=10), timedelta(days=1))


def default_policy_file() -> Path:
    """``./policy.yml`` when there is one, else the policy installed with chatops (see
    https://docs.python.org/3/library/importlib.resources.html)."""
    if DEFAULT_POLICY_FILE.is_file():
        return DEFAULT_POLICY_FILE
    # pip installs packages as plain files, so the resource is a path of its own.
    return Path(str(resources.files("orchestration") / "policy.yml"))


class Settings(BaseSettings):
    """chatops configuration, from the environment (see the README's table)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")

    bot_host: str = Field(default="127.0.0.1", alias="CHATOPS_BOT_HOST")
    bot_port: int = Field(default=3000, alias="CHATOPS_BOT_PORT", ge=0, le=65535)
    slack_sim_port: int = Field(default=3001, alias="CHATOPS_SLACK_SIM_PORT", ge=0, le=65535)
    temporal_port: int = Field(default=7233, alias="CHATOPS_TEMPORAL_PORT", ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, alias="CHATOPS_TEMPORAL_UI_PORT", ge=1, le=65535)
    data_dir: Path = Field(default=Path(".chatops"), alias="CHATOPS_DATA_DIR")
    task_queue: str = Field(default=DEFAULT_TASK_QUEUE, alias="CHATOPS_TASK_QUEUE", min_length=1)

    approvals_channel: str = Field(default="approvals", alias="CHATOPS_APPROVALS_CHANNEL")
    operators: IdList = Field(default_factory=list, alias="CHATOPS_OPERATORS")

    confirm_above: Decimal = Field(default=Decimal("10000"), alias="CHATOPS_CONFIRM_ABOVE", ge=0)
    temporal_ui_url: str | None = Field(default=None, alias="CHATOPS_TEMPORAL_UI_URL")
    search_attributes: bool = Field(default=True, alias="CHATOPS_SEARCH_ATTRIBUTES")
    policy_file: Path = Field(default_factory=default_policy_file, alias="CHATOPS_POLICY_FILE")
    engineering_channel: str = Field(default="engineering", alias="CHATOPS_ENGINEERING_CHANNEL")
    agent_accept_timeout: timedelta = Field(
        default=timedelta(minutes=2), alias="CHATOPS_AGENT_ACCEPT_TIMEOUT"
    )
    assignment_attempts: int = Field(default=3, alias="CHATOPS_ASSIGNMENT_ATTEMPTS", ge=1, le=20)
    workflow_cache: int = Field(
        default=WORKFLOW_CACHE, alias="CHATOPS_WORKFLOW_CACHE", ge=0, le=WORKFLOW_CACHE_MAX
    )
    # Posts a second per channel, for all workers together (orchestration/slack_rate.py);
    # 0 leaves the Slack queue's limits to the operator.
    slack_posts_per_second: float = Field(
        default=1.0, alias="CHATOPS_SLACK_POSTS_PER_SECOND", ge=0, le=SLACK_POSTS_PER_SECOND_MAX
    )
    webhook_secret: SecretStr | None = Field(default=None, alias="CHATOPS_WEBHOOK_SECRET")
    worker_metrics_host: str = Field(default="127.0.0.1", alias="CHATOPS_WORKER_METRICS_HOST")
    # None: no endpoint ("off" or 0).
    worker_metrics_port: int | None = Field(
        default=WORKER_METRICS_PORT, alias="CHATOPS_WORKER_METRICS_PORT", ge=1, le=65535
    )

    tracing: Tracing = Field(default="off", alias="CHATOPS_TRACING")
    log_format: LogFormat = Field(default="text", alias="CHATOPS_LOG_FORMAT")
    # Flow files (docs/flows.md): where they are, and the URL prefixes their http steps may
    # reach (empty: the bot's demo endpoints on loopback).
    flows_dir: Path = Field(default=Path("flows"), alias="CHATOPS_FLOWS_DIR")
    flow_http_allow: IdList = Field(default_factory=list, alias="CHATOPS_FLOW_HTTP_ALLOW")
    # What a flow URL that is only a path is resolved against: the bot, as workers reach it.
    flow_http_base: str | None = Field(default=None, alias="CHATOPS_FLOW_HTTP_BASE")
    # The bot serves the example flows' endpoints (/demo/...): chatops up --demo only.
    demo_endpoints: bool = Field(default=False, alias="CHATOPS_DEMO_ENDPOINTS")

    scrape_every: timedelta = Field(default=timedelta(hours=1), alias="CHATOPS_SCRAPE_EVERY")
    scrape_sources: IdList = Field(default_factory=list, alias="CHATOPS_SCRAPE_SOURCES")
    scrape_channel: str = Field(default="general", alias="CHATOPS_SCRAPE_CHANNEL")
    # The bot's own periodic jobs; "off" turns one off.
    digest_cron: str | None = Field(default="0 9 * * 1-5", alias="CHATOPS_DIGEST_CRON")
    digest_timezone: str = Field(default="UTC", alias="CHATOPS_DIGEST_TIMEZONE")
    reconcile_every: timedelta | None = Field(
        default=timedelta(minutes=5), alias="CHATOPS_RECONCILE_EVERY"
    )

    # Not a setting: handed in by whoever starts the stand-in, never read from the environment.
    _stand_in: StandInDefaults | None = PrivateAttr(default=None)

    _split = field_validator("operators", "scrape_sources", "flow_http_allow", mode="before")(
        split_ids
    )
    _url_prefixes = field_validator("flow_http_allow")(url_prefixes)
    _url_base = field_validator("flow_http_base")(url_base)
    _trailing_slash = field_validator("slack_api_url")(with_trailing_slash)
    _blank_is_unset = field_validator(
        "webhook_secret", "slack_bot_token", "slack_signing_secret", "slack_app_token"
    )(blank_is_unset)
    _crontab = field_validator("digest_cron")(cron_or_off)
    _known_zone = field_validator("digest_timezone")(known_time_zone)
    _long_enough = field_validator("webhook_secret")(long_enough_secret)
    _human_duration = field_validator("scrape_every", "agent_accept_timeout", mode="before")(
        human_duration
    )

    @field_validator("tracing", "log_format", mode="before")
    @classmethod
    def _choice(cls, value: object, info: ValidationInfo) -> object:
        kind = Tracing if info.field_name == "tracing" else LogFormat
        return one_of(value, get_args(kind))

    @field_validator("reconcile_every", mode="before")
    @classmethod
    def _human_duration_or_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in OFF:
            return None
        return human_duration(value)

    @field_validator("worker_metrics_port", mode="before")
    @classmethod
    def _port_or_off(cls, value: object) -> object:
        text = str(value).strip().lower()
        if text == "":
            return WORKER_METRICS_PORT
        return None if text in (*OFF, "0") else value

    @field_validator("scrape_every")
    @classmethod
    def _scrape_within_limits(cls, value: timedelta) -> timedelta:
        return within(value, SCRAPE_EVERY)

    @field_validator("reconcile_every")
    @classmethod
    def _reconcile_within_limits(cls, value: timedelta | None) -> timedelta | None:
        return None if value is None else within(value, RECONCILE_EVERY, ", or off")

    @field_validator("agent_accept_timeout")
    @classmethod
    def _accept_within_limits(cls, value: timedelta) -> timedelta:
        return within(value, AGENT_ACCEPT_TIMEOUT)

    def with_stand_in(self, defaults: StandInDefaults) -> Settings:
        """A copy that falls back on the stand-in's ``defaults`` without a workspace."""
        copy = self.model_copy()
        copy._stand_in = defaults
        return copy

    @property
    def stand_in(self) -> StandInDefaults | None:
        """The stand-in's defaults handed in, if any."""
        return self._stand_in

    @property
    def uses_real_slack(self) -> bool:
        """True when a Slack workspace is configured (a bot token is set)."""
        return self.slack_bot_token is not None

    @property
    def effective_slack_api_url(self) -> str:
        """SLACK_API_URL if set; else Slack's own with a token, the local stand-in without."""
        if self.slack_api_url:
            return self.slack_api_url
        if self.uses_real_slack:
            return SLACK_API_URL
        return f"http://127.0.0.1:{self.slack_sim_port}/api/"

    @property
    def effective_operators(self) -> list[str]:
        """Configured operators, or the stand-in's operator when no workspace is set up."""
        if self.operators:
            return list(self.operators)
        if self.uses_real_slack or self._stand_in is None:
            return []
        return [self._stand_in.operator]

    @property
    def effective_scrape_sources(self) -> list[str]:
        """Configured sources, or the sample pages the bot serves (works offline)."""
        if self.scrape_sources:
            return list(self.scrape_sources)
        base = f"http://127.0.0.1:{self.bot_port}/samples"
        return [f"{base}/{name}" for name in SAMPLE_PAGES]

    @property
    def effective_flow_http_allow(self) -> tuple[str, ...]:
        """Configured prefixes, or the bot's demo endpoints."""
        if self.flow_http_allow:
            return tuple(self.flow_http_allow)
        return (f"{self.effective_flow_http_base}{DEMO_PATH}",)

    @property
    def effective_flow_http_base(self) -> str:
        """The bot's address for flows' URLs that are only a path: configured, or loopback
        on the bot's port."""
        return (self.flow_http_base or f"http://127.0.0.1:{self.bot_port}").rstrip("/")

    def scrape_input(self) -> ScrapeInput:
        """What the scrape schedule's runs fetch, where they write, where they report."""
        return ScrapeInput(
            sources=self.effective_scrape_sources,
            output_dir=str((self.data_dir / "scrape").resolve()),
            channel=self.scrape_channel,
        )

    def bot_token(self) -> str:
        """The bot token in force: the configured one, else the stand-in's.

        Raises:
            ValueError: Neither is there.
        """
        if self.slack_bot_token is not None:
            return self.slack_bot_token.get_secret_value()
        if self._stand_in is None:
            raise ValueError("SLACK_BOT_TOKEN is not set and no stand-in runs")
        return self._stand_in.bot_token

    def signing_secret(self) -> str | None:
        """The signing secret in force: the configured one; without a workspace (no bot
        token) the stand-in's; with a workspace and none configured, None, never the
        stand-in's public one."""
        if self.slack_signing_secret is not None:
            return self.slack_signing_secret.get_secret_value()
        if self.uses_real_slack or self._stand_in is None:
            return None
        return self._stand_in.signing_secret

    def events_signing_secret(self) -> str | None:
        """The secret ``POST /slack/events`` verifies with, or None when the bot must not
        serve that route: in Socket Mode it is served only with a signing secret of the
        app's own, since nothing needs it there and the stand-in's secret is public."""
        secret = self.signing_secret()
        public = None if self._stand_in is None else self._stand_in.signing_secret
        if self.slack_app_token is not None and secret == public:
            return None
        return secret
