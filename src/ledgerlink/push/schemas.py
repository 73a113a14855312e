"""The body of `POST .../push/{dataType}` and `PUT .../push/{dataType}/{id}`: a JSON object, checked against
Codat's create model of the type (the registry's) before a push is accepted, so a malformed record never
becomes a push operation."""

from __future__ import annotations

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
