"""The pydantic field types of flow files: templates, expressions, templated JSON, durations
and names. Templates and expressions are parsed while the file is validated, so a mistake in
one is reported at its field; the JSON Schema shows them as strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from orchestration.durations import Bounds
from orchestration.flows.expressions import Expression, ExpressionError, parse_expression
from orchestration.flows.templates import Template, parse_template
from orchestration.models.request import MAX_ARGUMENTS_DEPTH, json_depth
from orchestration.setting_values import human_duration, within

P = TypeVar("P", Template, Expression)

MAX_TEMPLATE = 2000
MAX_JSON_ITEMS = 200

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
NAME_RULE = "a lower-case letter, then up to 39 of a-z 0-9 _ (it is written in expressions)"
StepName = Annotated[str, Field(pattern=NAME_PATTERN, description=f"The step's id: {NAME_RULE}")]
InputName = Annotated[str, Field(pattern=NAME_PATTERN)]
FLOW_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,59}$"
FLOW_NAME_RULE = "a lower-case letter, then up to 59 of a-z 0-9 _ -"
FlowName = Annotated[
    str, Field(pattern=FLOW_NAME_PATTERN, description=f"A flow's name: {FLOW_NAME_RULE}")
]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("template_type", "must be text (quote it in YAML)")
    if len(value) > MAX_TEMPLATE:
        raise PydanticCustomError("template_long", f"longer than {MAX_TEMPLATE} characters")
    return value


def _expression_error(kind: str, err: ExpressionError) -> PydanticCustomError:
    """The error with its column kept apart (the validator turns it into the file's)."""
    return PydanticCustomError(kind, "{message}", {"message": err.message, "column": err.column})


def _parser(kind: str, parsed: type[P], parse: Callable[[str], P]) -> Callable[[object], P]:
    """A pydantic validator taking text (parsed by ``parse``) or an already parsed value."""

    def validate(value: object) -> P:
        if isinstance(value, parsed):
            return value
        try:
            return parse(_text(value))
        except ExpressionError as err:
            raise _expression_error(kind, err) from None

    return validate


_template = _parser("template", Template, parse_template)
_expression = _parser("expression", Expression, parse_expression)


def _source(value: Template | Expression) -> str:
    """A template or expression written back as its text (a flow's data round-trips)."""
    return value.text


TemplateText = Annotated[
    Template,
    PlainValidator(_template),
    PlainSerializer(_source, return_type=str),
    WithJsonSchema({"type": "string", "description": "Text with {{ expression }} parts"}),
]
ExpressionText = Annotated[
    Expression,
    PlainValidator(_expression),
    PlainSerializer(_source, return_type=str),
    WithJsonSchema({"type": "string", "description": "An expression (docs/flows.md)"}),
]


def _json_source(value: Any) -> Any:
    """Templated JSON written back with its templates as text."""
    if isinstance(value, Template):
        return value.text
    if isinstance(value, dict):
        return {key: _json_source(each) for key, each in value.items()}
    if isinstance(value, list):
        return [_json_source(each) for each in value]
    return value


def _templated_json(value: Any) -> Any:
    """A JSON value with each string parsed as a template (bounded in depth and size)."""
    if json_depth(value) > MAX_ARGUMENTS_DEPTH:
        raise PydanticCustomError("json_deep", f"nested more than {MAX_ARGUMENTS_DEPTH} deep")
    count = 0

    def convert(item: Any) -> Any:
        nonlocal count
        count += 1
        if count > MAX_JSON_ITEMS:
            raise PydanticCustomError("json_large", f"more than {MAX_JSON_ITEMS} values")
        if isinstance(item, str):
            return _template(item)
        if isinstance(item, dict):
            return {str(key): convert(each) for key, each in item.items()}
        if isinstance(item, list):
            return [convert(each) for each in item]
        if item is None or isinstance(item, bool | int | float):
            return item
        raise PydanticCustomError("json_type", f"not a JSON value: {type(item).__name__}")

    return convert(value)


TemplatedJson = Annotated[
    Any,
    AfterValidator(_templated_json),
    PlainSerializer(_json_source),
    WithJsonSchema({"description": "Any JSON value; its strings are templates"}),
]


def bounded_duration(bounds: Bounds) -> Any:
    """A duration type (``10s``, ``5m``, ``PT5M``, seconds) within ``bounds``."""
    return Annotated[
        timedelta,
        BeforeValidator(human_duration),
        AfterValidator(lambda value: within(value, bounds)),
        WithJsonSchema(
            {
                "type": ["string", "integer"],
                "description": f"A duration such as 90s, 5m, 2h, 1d; {bounds}",
            }
        ),
    ]


class Strict(BaseModel):
    """Unknown keys are mistakes in a flow file; templates are kept as parsed objects."""

    model_config = ConfigDict(extra="forbid", frozen=True)
