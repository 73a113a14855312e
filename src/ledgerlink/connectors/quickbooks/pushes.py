"""A push on QuickBooks Online: create, sparse update or delete of one entity, answered in Codat's read shape.

Creates `POST /<entity>` the body `writes.py` builds. Updates and deletes read the entity first
(`GET /<entity>/<id>`): QuickBooks takes a change only with the `SyncToken` of the version it holds, so an
update is a sparse update (`sparse: true`, `Id`, `SyncToken`, the fields Codat's record fills) and a delete
`POST /<entity>?operation=delete` of `Id` and `SyncToken`. When someone changed the entity between the read
and the write (fault 5010, stale object), it is read again and the write retried once.

Every write carries `requestid`, the push operation's key: Intuit answers a request id it has seen with its
first answer, so a push retried after a crash (or a write the client retried after a lost answer) writes
once. The stale retry is a new request (`<key>-retry`). A fault whose `Error` items refuse the record
becomes `PushRejected`, each item naming the Codat field its `element` traces to; Object Not Found (610) on
the record being changed is `RecordNotFound`.
"""

from __future__ import annotations

from ledgerlink.connectors.base import PushRejected, PushRequest, RecordNotFound
from ledgerlink.connectors.codat_shapes import Record
from ledgerlink.connectors.mapped import Deleted
from ledgerlink.connectors.quickbooks import mapping, writes
from ledgerlink.connectors.quickbooks.client import QuickBooksClient, QuickBooksFault
from ledgerlink.records.registry import Operation

STALE_OBJECT = "5010"
OBJECT_NOT_FOUND = "610"


async def push(quickbooks: QuickBooksClient, request: PushRequest) -> Record:
    write = writes.WRITES[request.data_type]
    entity: Record | None
    try:
        if request.operation is Operation.CREATE:
            body = await _body(quickbooks, write, request.record)
            entity = await _write(quickbooks, write, body, request.idempotency_key)
        elif request.operation is Operation.UPDATE:
            entity = await _update(quickbooks, write, request)
        else:
            entity = await _delete(quickbooks, write, request)
    except writes.Unwritable as unwritable:
        raise PushRejected(f"QuickBooks cannot hold the record: {unwritable}", unwritable.errors) from None
    except QuickBooksFault as fault:
        raise _rejected(write, fault) from None
    if entity is None:
        # Deleted by this push before a crash: QuickBooks keeps nothing of it to read but its id.
        return {"id": request.record_id}
    mapped = write.to_codat(entity)
    assert not isinstance(mapped, Deleted)
    return mapped


async def _body(quickbooks: QuickBooksClient, write: writes.EntityWrite, record: Record) -> Record:
    body = write.to_quickbooks(record)
    if write.on_card is not None:
        # Paid from a credit card account, QuickBooks wants the card form of the payment.
        account_id, by_card = write.on_card(body)
        paid_from = await _read(
            quickbooks, "Account", account_id, field=_field(write, "AccountRef") or "accountRef.id"
        )
        if paid_from.get("AccountType") == "Credit Card":
            body = by_card
    return body


async def _write(
    quickbooks: QuickBooksClient,
    write: writes.EntityWrite,
    body: Record,
    request_id: str,
    operation: str | None = None,
) -> Record:
    params = {"requestid": request_id, **({"operation": operation} if operation else {})}
    answer = await quickbooks.post(write.entity.lower(), body, params)
    entity = answer.get(write.entity)
    if not isinstance(entity, dict):
        raise QuickBooksFault(200, set(), f"the answer has no {write.entity}", [])
    return entity


async def _read(quickbooks: QuickBooksClient, entity: str, entity_id: str, *, field: str = "") -> Record:
    """The entity as QuickBooks holds it now; `RecordNotFound` when it has none of that id (or
    `PushRejected` naming `field`, when the id is a reference the record makes)."""
    try:
        answer = await quickbooks.get(f"{entity.lower()}/{entity_id}", {})
    except QuickBooksFault as fault:
        if OBJECT_NOT_FOUND in fault.codes:
            if field:
                raise writes.refused(field, f"QuickBooks has no {entity} {entity_id}.") from None
            raise RecordNotFound(f"QuickBooks has no {entity} {entity_id}.") from None
        raise
    found = answer.get(entity)
    if not isinstance(found, dict):
        raise RecordNotFound(f"QuickBooks has no {entity} {entity_id}.")
    return found


async def _update(quickbooks: QuickBooksClient, write: writes.EntityWrite, request: PushRequest) -> Record:
    """A sparse update with the SyncToken just read; read again and retried once when it went stale."""
    assert request.record_id is not None
    body = await _body(quickbooks, write, request.record)
    for attempt in range(2):
        current = await _read(quickbooks, write.entity, request.record_id)
        if not _is_of_type(write, current, request.data_type):
            raise RecordNotFound(f"QuickBooks has no {request.data_type} {request.record_id}.")
        change = {**body, "Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}
        request_id = request.idempotency_key if attempt == 0 else f"{request.idempotency_key}-retry"
        try:
            return await _write(quickbooks, write, change, request_id)
        except QuickBooksFault as fault:
            if STALE_OBJECT not in fault.codes or attempt == 1:
                raise
    raise AssertionError("unreachable")


async def _delete(
    quickbooks: QuickBooksClient, write: writes.EntityWrite, request: PushRequest
) -> Record | None:
    """The entity as it was when deleted (what the push answers). A delete already done under this key (a
    retried push) finds nothing to read: the delete is asked again under the key, QuickBooks answers it as
    it did the first time, and there is nothing to answer but the id (None)."""
    assert request.record_id is not None
    try:
        current = await _read(quickbooks, write.entity, request.record_id)
    except RecordNotFound:
        try:
            await _write(
                quickbooks,
                write,
                {"Id": request.record_id, "SyncToken": "0"},
                request.idempotency_key,
                operation="delete",
            )
        except QuickBooksFault as fault:
            if OBJECT_NOT_FOUND in fault.codes:
                raise RecordNotFound(f"QuickBooks has no {write.entity} {request.record_id}.") from None
            raise
        return None
    for attempt in range(2):
        gone = {"Id": current["Id"], "SyncToken": current["SyncToken"]}
        request_id = request.idempotency_key if attempt == 0 else f"{request.idempotency_key}-retry"
        try:
            await _write(quickbooks, write, gone, request_id, operation="delete")
            return current
        except QuickBooksFault as fault:
            if STALE_OBJECT not in fault.codes or attempt == 1:
                raise
        current = await _read(quickbooks, write.entity, request.record_id)
    raise AssertionError("unreachable")


def _is_of_type(write: writes.EntityWrite, entity: Record, data_type: str) -> bool:
    """Accounts are both chart of accounts and bank accounts: a bank account's update is a Bank or Credit
    Card account's."""
    return data_type != "bankAccounts" or entity.get("AccountType") in mapping.BANK_ACCOUNT_TYPES


def _rejected(write: writes.EntityWrite, fault: QuickBooksFault) -> Exception:
    """QuickBooks' refusal as Codat's validation errors; Object Not Found of the record itself as
    `RecordNotFound`."""
    if not fault.errors:
        return fault
    items = [
        {
            "itemId": _field(write, str(error.get("element") or "")),
            "message": "; ".join(str(part) for part in (error.get("Message"), error.get("Detail")) if part),
            "validatorName": f"QuickBooks {error.get('code') or ''}".strip(),
        }
        for error in fault.errors
    ]
    return PushRejected(f"QuickBooks refused the {write.entity}: {items[0]['message']}", items)


def _field(write: writes.EntityWrite, element: str) -> str:
    """The Codat field a fault's `element` traces to (`Line.SalesItemLineDetail.ItemRef` → its last part
    first, then the whole), or empty when it traces to none."""
    for candidate in (element, element.rsplit(".", 1)[-1]):
        if candidate in write.fields:
            return write.fields[candidate]
    return ""
