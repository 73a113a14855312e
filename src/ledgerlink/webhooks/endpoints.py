"""`/webhooks`: Codat's list, create and delete consumer; ledgerlink's get, secret, deliveries and replay; and
what Codat's legacy `/rules` get instead."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ledgerlink.kit.auth import CurrentPrincipal, Session
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.outbound import Outbound
from ledgerlink.kit.pagination import PageParams, page_envelope, page_params
from ledgerlink.kit.responses import json, no_content
from ledgerlink.kit.secrets import Secrets
from ledgerlink.webhooks import service
from ledgerlink.webhooks.schemas import ConsumerCreate
from ledgerlink.webhooks.views import consumer_view, delivery_view

router = APIRouter(tags=["Webhooks"])


@router.get("/webhooks")
async def list_consumers(principal: CurrentPrincipal, session: Session) -> Response:
    consumers = await service.list_consumers(session, principal)
    return json({"results": [consumer_view(consumer) for consumer in consumers]})


@router.post("/webhooks", status_code=201)
async def create_consumer(
    body: ConsumerCreate, principal: CurrentPrincipal, session: Session, secrets: Secrets, rules: Outbound
) -> Response:
    consumer = await service.create(session, principal, body, secrets, rules)
    return json(consumer_view(consumer), status_code=201)


@router.get("/webhooks/{webhookId}")
async def get_consumer(webhookId: str, principal: CurrentPrincipal, session: Session) -> Response:
    return json(consumer_view(await service.get(session, principal, webhookId)))


@router.delete("/webhooks/{webhookId}", status_code=204)
async def delete_consumer(webhookId: str, principal: CurrentPrincipal, session: Session) -> Response:
    await service.delete(session, principal, webhookId)
    return no_content()


@router.get("/webhooks/{webhookId}/secret")
async def get_secret(
    webhookId: str, principal: CurrentPrincipal, session: Session, secrets: Secrets
) -> Response:
    secret = await service.get_secret(session, principal, webhookId, secrets)
    return json({"secret": secret})


@router.post("/webhooks/{webhookId}/secret")
async def rotate_secret(
    webhookId: str, principal: CurrentPrincipal, session: Session, secrets: Secrets
) -> Response:
    secret = await service.rotate_secret(session, principal, webhookId, secrets)
    return json({"secret": secret})


@router.get("/webhooks/{webhookId}/deliveries")
async def list_deliveries(
    webhookId: str,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    deliveries, total = await service.list_deliveries(session, principal, webhookId, params)
    views = [delivery_view(delivery, attempts) for delivery, attempts in deliveries]
    return json(page_envelope(request, params, views, total))


@router.get("/webhooks/{webhookId}/deliveries/{deliveryId}")
async def get_delivery(
    webhookId: str, deliveryId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    delivery, attempts, event = await service.get_delivery(session, principal, webhookId, deliveryId)
    return json(delivery_view(delivery, attempts, event))


@router.post("/webhooks/{webhookId}/deliveries/{deliveryId}/replay", status_code=202)
async def replay_delivery(
    webhookId: str, deliveryId: str, principal: CurrentPrincipal, session: Session
) -> Response:
    delivery, attempts, event = await service.replay(session, principal, webhookId, deliveryId)
    return json(delivery_view(delivery, attempts, event), status_code=202)


# Codat's legacy alert rules are not an alias over the consumers (docs/api-compatibility.md says why: a rule
# watches one company, notifies by email too, and its receivers expect the legacy alert body, none of which a
# consumer does), so a client calling them is told what replaces them rather than that nothing is there.
RULES_REPLACED = (
    "Rules (Codat's legacy alerts) are not served here: create a webhook consumer instead, "
    "POST /webhooks with eventTypes such as read.completed or connection.connected."
)


@router.api_route("/rules", methods=["GET", "POST"], include_in_schema=False)
@router.api_route("/rules/{ruleId}", methods=["GET", "PUT", "DELETE"], include_in_schema=False)
async def legacy_rules(principal: CurrentPrincipal) -> Response:
    raise NotFound(RULES_REPLACED)
