"""The body of `POST .../push/{dataType}` and `PUT .../push/{dataType}/{id}`: a JSON object, checked against
Codat's create model of the type (the registry's) before a push is accepted, so a malformed record never
becomes a push operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from ledgerlink.kit.errors import BadRequest, validation_items
from ledgerlink.records import registry
from ledgerlink.records.registry import Operation


def check_record(data_type: str, record: Any, operation: Operation = Operation.CREATE) -> dict[str, Any]:
    """The record, if it is a JSON object that fits Codat's create model of the type (types the registry gives
    no create model are left to the platform); otherwise a 400 naming every problem. An update's body is the
    whole record in the same model (Codat's updates are not partial)."""
    if not isinstance(record, dict):
        raise BadRequest(
            f"The body must be a JSON object: the {data_type} record to {operation.value.lower()}."
        )
    too_large = list(_integers_beyond_64_bits(record, ""))
    if too_large:
        items = [
            {"itemId": path, "message": "must be a number within 64 bits", "validatorName": "Number"}
            for path in too_large
        ]
        raise BadRequest(
            f"The {data_type} record is invalid. {', '.join(too_large)}: a number beyond 64 bits.",
            validation_errors=items,
        )
    create_model = registry.create_model(data_type)
    if create_model is not None:
        try:
            create_model.schema.model_validate(record)
        except ValidationError as invalid:
            items = validation_items(invalid.errors(include_url=False, include_input=False))
            summary = "; ".join(f"{item['itemId'] or 'body'}: {item['message']}" for item in items)
            raise BadRequest(
                f"The {data_type} record is invalid. {summary}", validation_errors=items
            ) from None
    return record


_LIMIT = 2**63


def _integers_beyond_64_bits(value: Any, path: str) -> Iterator[str]:
    """The paths of integers no platform (nor the JSON the record is answered in) can hold: a field the
    create model does not name is kept as sent, so its numbers are bounded here."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -_LIMIT <= value < _LIMIT:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _integers_beyond_64_bits(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _integers_beyond_64_bits(item, f"{path}.{index}" if path else str(index))
