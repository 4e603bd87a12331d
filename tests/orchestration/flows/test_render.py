"""Rendering at run time, for where the text goes: URLs (values percent-encoded), Slack
(values escaped), JSON bodies (values kept); times for ``wait: until``; and a flow's data
written back as it was validated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from orchestration.flows.expressions import ExpressionError
from orchestration.flows.models import FlowFile
from orchestration.flows.problems import FlowContext
from orchestration.flows.render import (
    parse_moment,
    render_header,
    render_json,
    render_mrkdwn,
    render_url,
)
from orchestration.flows.templates import parse_template
from orchestration.flows.validate import validate_flow

pytestmark = pytest.mark.unit

SCOPE = {"inputs": {"id": "../a b?x=1&y#z", "n": 5, "who": "<!here> & co"}, "steps": {}}
FLOWS = Path(__file__).resolve().parents[3] / "flows"


def test_values_in_a_url_cannot_leave_their_segment_or_query_value() -> None:
    template = parse_template("http://h/api/{{ inputs.id }}?q={{ inputs.id }}&n={{ inputs.n }}")
    assert render_url(template, SCOPE) == (
        "http://h/api/..%2Fa%20b%3Fx%3D1%26y%23z?q=..%2Fa%20b%3Fx%3D1%26y%23z&n=5"
    )


def test_values_in_slack_text_are_escaped_and_the_written_text_is_not() -> None:
    template = parse_template("*Hi* {{ inputs.who }} <#C1>")
    assert render_mrkdwn(template, SCOPE) == "*Hi* &lt;!here&gt; &amp; co <#C1>"


def test_json_keeps_values_and_headers_refuse_line_breaks() -> None:
    body = {"n": parse_template("{{ inputs.n }}"), "l": [parse_template("x{{ inputs.n }}"), 1]}
    assert render_json(body, SCOPE) == {"n": 5, "l": ["x5", 1]}
    with pytest.raises(ExpressionError, match="line break"):
        render_header(parse_template("{{ inputs.id }}\r\nX: 1"), SCOPE)


def test_times_are_iso_8601_and_utc_without_an_offset() -> None:
    assert parse_moment("2026-12-03T15:00:00Z") == datetime(2026, 12, 3, 15, tzinfo=UTC)
    assert parse_moment("2026-12-03T15:00:00+01:00").utcoffset() == timedelta(hours=1)
    assert parse_moment("2026-12-03 15:00").tzinfo is UTC
    assert parse_moment("2026-12-03T15:00:00-05:00").tzinfo == timezone(timedelta(hours=-5))
    with pytest.raises(ExpressionError, match="not an ISO-8601 time"):
        parse_moment("tomorrow")


@pytest.mark.parametrize("name", ["refund", "production-change"])
def test_a_flow_written_back_as_data_reads_as_the_same_flow(name: str) -> None:
    path = FLOWS / f"{name}.yml"
    base = "http://127.0.0.1:3000"
    context = FlowContext(http_allow=(f"{base}/demo/",), http_base=base)
    flow = validate_flow(path.read_text(), str(path), context).flow
    data = flow.model_dump(mode="json", by_alias=True)
    again = FlowFile.model_validate(data)
    assert again == flow
    assert again.model_dump(mode="json", by_alias=True) == data
