"""Codat's push options (`PushOption`): how `GET .../options/{dataType}` describes a create model, field by
field, to a client building a record. Derived from the model (`records/creates.py`): its fields' types,
whether they are required, their `Field(title=..., description=...)`, the values of a `Literal` (with their
`Meanings`) and the `Rule`s a type cannot show, so the options say what the check at the door does.
"""

from __future__ import annotations

import re
import types
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from ledgerlink.records.creates import DATE_KIND, CreateShape, Meanings, Rule


def push_option(model: type[CreateShape]) -> dict[str, Any]:
    """The push option of a whole create model: an `Object` named by the model's title, described by its
    docstring, with a property per field."""
    title = model.model_config.get("title") or _words(model.__name__.removesuffix("Create"))
    description = " ".join((model.__doc__ or title).split())
    return _option("Object", title, description, True, properties=_properties(model))


@cache
def _properties(model: type[CreateShape]) -> dict[str, Any]:
    return {
        field.alias or name: _field_option(field.alias or name, field)
        for name, field in model.model_fields.items()
    }


def _field_option(key: str, field: FieldInfo) -> dict[str, Any]:
    annotation, metadata = _unwrap(field.annotation, list(field.metadata))
    name = field.title or _words(key)
    description = field.description or name
    rules = tuple(item.details for item in metadata if isinstance(item, Rule))
    meanings = next((item.of for item in metadata if isinstance(item, Meanings)), {})
    required = field.is_required()
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        item, item_metadata = _unwrap(item, [])
        rules += tuple(entry.details for entry in item_metadata if isinstance(entry, Rule))
        properties = _properties(item) if _is_model(item) else None
        return _option(
            "Array", name, description, required, properties=properties, information=rules, field=key
        )
    if _is_model(annotation):
        return _option(
            "Object",
            name,
            description,
            required,
            properties=_properties(annotation),
            information=rules,
            field=key,
        )
    if get_origin(annotation) is Literal:
        choices = tuple(
            (str(value), meanings.get(str(value)) or _words(str(value))) for value in get_args(annotation)
        )
        return _option("String", name, description, required, choices=choices, information=rules, field=key)
    return _option(_kind(annotation, metadata), name, description, required, information=rules, field=key)


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The type under `Optional` and `Annotated`, with the metadata gathered on the way."""
    while True:
        if hasattr(annotation, "__metadata__"):  # Annotated[...]
            metadata = [*metadata, *annotation.__metadata__]
            annotation = annotation.__origin__
        elif get_origin(annotation) in (Union, types.UnionType):
            others = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(others) != 1:
                return annotation, metadata
            annotation = others[0]
        else:
            return annotation, metadata


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, CreateShape)


def _kind(annotation: Any, metadata: list[Any]) -> str:
    if any(item is DATE_KIND for item in metadata):
        return "DateTime"
    if annotation is bool:
        return "Boolean"
    if annotation in (Decimal, int, float):
        return "Number"
    return "String"


def _words(name: str) -> str:
    """`supplierName` -> `Supplier Name`: a display name for a field declared without a title."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.rstrip("_"))
    return spaced[:1].upper() + spaced[1:]


def _option(
    kind: str,
    name: str,
    description: str,
    required: bool,
    *,
    properties: dict[str, Any] | None = None,
    choices: tuple[tuple[str, str], ...] = (),
    information: tuple[str, ...] = (),
    field: str | None = None,
) -> dict[str, Any]:
    option: dict[str, Any] = {
        "type": kind,
        "displayName": name,
        "description": description,
        "required": required,
    }
    if properties is not None:
        option["properties"] = properties
    if choices:
        # Every field of Codat's `pushOptionChoice`: none is required by the current spec, but older clients
        # (and SDKs generated from older specs) refuse a choice without its `description`.
        option["options"] = [
            {
                "value": value,
                "type": "String",
                "displayName": value,
                "description": meaning,
                "required": False,
            }
            for value, meaning in choices
        ]
    option["validation"] = {
        "warnings": [],
        "information": [{"field": field or name, "details": details} for details in information],
    }
    return option
