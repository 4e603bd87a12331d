"""Recorded histories leave out the machine's paths, also inside payloads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.recording import decoded_text, replace_recorded, without_machine_paths

pytestmark = pytest.mark.unit


def encoded(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_paths_are_made_relative_in_text_and_in_payloads() -> None:
    payload = {"output_dir": "/srv/t/test0/scrape", "where": "/srv/t/test0"}
    history = {
        "events": [
            {"failure": {"stackTrace": 'File "/srv/co/activities/x.py", line 1'}},
            {"input": {"payloads": [{"metadata": {}, "data": encoded(payload)}]}},
            {"input": {"payloads": [{"metadata": {}, "data": "//79"}]}},  # not text: kept
        ]
    }
    text = without_machine_paths(json.dumps(history), [Path("/srv/co"), Path("/srv/t/test0")])
    events = json.loads(text)["events"]
    assert events[0]["failure"]["stackTrace"] == 'File "activities/x.py", line 1'
    data = json.loads(base64.b64decode(events[1]["input"]["payloads"][0]["data"]))
    assert data == {"output_dir": "scrape", "where": "."}
    assert events[2]["input"]["payloads"][0]["data"] == "//79"
    assert "/srv/" not in decoded_text(text)


def test_a_test_recorded_again_replaces_its_files_and_no_other(tmp_path: Path) -> None:
    for name in ("flow.json", "flow.T-1.json", "flow.T-1-low.json", "flow_more.json"):
        (tmp_path / name).write_text("old")
    replace_recorded(tmp_path, "flow", {"flow.T-2.json": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.T-2.json", "flow_more.json"]
