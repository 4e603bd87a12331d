"""The ``RequestApproval`` contract: what is refused, and the published JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError

from orchestration.ask import validated
from orchestration.models.request import RequestApprovalInput, RequestApprovalResult
from orchestration.models.request_schema import schema_text, schemas

DOCS = Path(__file__).resolve().parents[2] / "docs"
GOOD: dict[str, Any] = {
    "kind": "deploy",
    "title": "Deploy api 2.3 to production",
    "fields": {"Service": "api", "Version": "2.3"},
    "attributes": {"env": "prod", "service": "api"},
    "requested_by": "U0123ABCD",
    "arguments": {"version": "2.3", "canary": True},
}


def refusal(**changes: Any) -> str:
    with pytest.raises(ApplicationError) as caught:
        validated({**GOOD, **changes})
    assert caught.value.non_retryable is True
    assert caught.value.type == "InvalidRequest"
    return caught.value.message


def test_the_contract_example_is_valid_and_keeps_the_fields_order() -> None:
    request = validated(GOOD)
    assert list(request.fields.items()) == [("Service", "api"), ("Version", "2.3")]
    assert validated({"kind": "refund", "title": "Refund"}).arguments is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"kind": "Deploy"}, "kind: String should match pattern"),
        ({"kind": "a" * 41}, "kind: String should match pattern '^[a-z][a-z0-9_.-]{0,39}$'"),
        ({"title": ""}, "title: String should have at least 1 character"),
        ({"title": "t" * 151}, "title: String should have at most 150 characters"),
        ({"fields": {f"L{i}": "v" for i in range(21)}}, "fields: Dictionary should have at most"),
        ({"fields": {"L": "v" * 501}}, "fields.L: String should have at most 500 characters"),
        ({"fields": {"Count": 3}}, "fields.Count: Input should be a valid string"),
        ({"attributes": {"env": "p" * 201}}, "attributes.env: String should have at most 200"),
        ({"requested_by": "alice"}, "requested_by: String should match pattern"),
        ({"arguments": {"blob": "x" * 8000}}, "arguments: at most 8000 bytes as compact JSON"),
        ({"arguments": {"a": [[[[[[[[1]]]]]]]]}}, "arguments: nested at most 8 levels deep"),
        ({"arguments": [1, 2]}, "arguments: Input should be a valid dictionary"),
    ],
)
def test_unknown_keys_bad_values_and_limits_are_refused_by_name(
    changes: dict[str, Any], expected: str
) -> None:
    message = refusal(**changes)
    assert message.startswith("invalid RequestApproval input: ")
    assert expected in message


@pytest.mark.parametrize("depth", [9, 900, 5000, 100_000])
def test_arguments_nested_thousands_deep_are_refused_not_overflowing_the_stack(depth: int) -> None:
    """The depth was measured recursively: from about 900 levels it raised RecursionError,
    which in the workflow failed its task over and over instead of failing the request."""
    arguments: Any = 1
    for _ in range(depth):
        arguments = {"a": arguments}
    message = refusal(arguments=arguments)
    assert message == "invalid RequestApproval input: arguments: nested at most 8 levels deep"


def test_missing_kind_and_a_non_object_are_refused() -> None:
    with pytest.raises(ApplicationError, match="kind: Field required"):
        validated({"title": "Deploy"})
    with pytest.raises(ApplicationError, match=r"\(input\): Input should be a valid dictionary"):
        validated(["deploy"])


async def test_plain_json_from_the_default_converter_decodes_for_the_workflow() -> None:
    # Another SDK sends JSON; our worker's pydantic converter reads it as a plain object.
    payloads = await DataConverter.default.encode([GOOD])
    (decoded,) = await pydantic_data_converter.decode(payloads, [Any])
    assert validated(decoded) == RequestApprovalInput.model_validate(GOOD)


@pytest.mark.parametrize("name", sorted(schemas()))
def test_published_schemas_match_the_models(name: str) -> None:
    published = (DOCS / name).read_text(encoding="utf-8")
    assert published == schema_text(schemas()[name]), (
        f"docs/{name} is out of date: run "
        "`.venv/bin/python -m orchestration.models.request_schema docs`"
    )


def test_the_result_schema_names_every_contract_field() -> None:
    schema = json.loads((DOCS / "request-approval.result.schema.json").read_text())
    assert list(schema["properties"]) == list(RequestApprovalResult.model_fields)
    assert list(schema["properties"]) == [
        "outcome",
        "approved_by",
        "rejected_by",
        "reason",
        "arguments",
        "policy_rule",
        "policy_version",
        "decided_at",
    ]
