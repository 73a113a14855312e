"""The client's webhook consumers in the Portal: create and delete them, see and rotate a signing secret,
and follow (and replay) their deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from ledgerlink.kit import pages
from ledgerlink.kit.outbound import Outbound
from ledgerlink.kit.pagination import PageParams
from ledgerlink.kit.secrets import Secrets
from ledgerlink.portal import service as portal
from ledgerlink.portal.route import Text, page_number, portal_router
from ledgerlink.portal.service import Confirmation, ConfirmedSignedIn, FormSignedIn, SignedIn
from ledgerlink.webhooks import service as webhooks
from ledgerlink.webhooks.schemas import EVENT_TYPES, ConsumerCreate

DELIVERIES_PAGE_SIZE = 20

router = portal_router()


@router.get("/webhooks")
async def list_consumers(request: Request, operator: SignedIn) -> Response:
    consumers = await webhooks.list_consumers(operator.db, operator.principal)
    return operator.page(
        request,
        "portal/webhooks.html",
        "webhooks",
        {"title": "Webhooks", "consumers": consumers, "event_types": EVENT_TYPES},
    )


@router.post("/webhooks")
async def create_consumer(
    operator: FormSignedIn,
    secrets: Secrets,
    rules: Outbound,
    url: Text = "",
    event_types: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
    company_tags: Text = "",
) -> Response:
    tags = [tag.strip() for tag in company_tags.replace("\n", ",").split(",") if tag.strip()]
    async with operator.attempt("Webhook consumer created.") as outcome:
        consumer = await webhooks.create(
            operator.db,
            operator.principal,
            portal.body(ConsumerCreate, {"url": url.strip(), "eventTypes": event_types, "companyTags": tags}),
            secrets,
            rules,
        )
    if not outcome.ok:
        return pages.redirect("/portal/webhooks")
    return pages.redirect(f"/portal/webhooks/{consumer.id}")


@router.get("/webhooks/{webhook_id}/delete")
async def confirm_consumer_deletion(request: Request, webhook_id: str, operator: SignedIn) -> Response:
    consumer = await webhooks.get(operator.db, operator.principal, webhook_id)
    return operator.confirm(
        request,
        "webhooks",
        Confirmation(
            f"Delete the webhook consumer {consumer.url}?",
            "Events are no longer sent to it, and its deliveries and their attempts are deleted with it. "
            "It cannot be undone.",
            "Delete consumer",
            "/portal/webhooks",
        ),
    )


@router.post("/webhooks/{webhook_id}/delete")
async def delete_consumer(webhook_id: str, operator: ConfirmedSignedIn) -> Response:
    async with operator.attempt("Webhook consumer deleted, with its deliveries."):
        await webhooks.delete(operator.db, operator.principal, webhook_id)
    return pages.redirect("/portal/webhooks")


@router.get("/webhooks/{webhook_id}")
async def show_consumer(
    request: Request, webhook_id: str, operator: SignedIn, page: str | None = None
) -> Response:
    params = PageParams(page_number(page), DELIVERIES_PAGE_SIZE, None, None)
    consumer = await webhooks.get(operator.db, operator.principal, webhook_id)
    deliveries, total = await webhooks.list_deliveries(operator.db, operator.principal, webhook_id, params)
    return operator.page(
        request,
        "portal/webhook.html",
        "webhooks",
        {
            "title": f"Webhook consumer {consumer.url}",
            "consumer": consumer,
            "deliveries": deliveries,
            "total": total,
            "params": params,
        },
    )


@router.post("/webhooks/{webhook_id}/secret")
async def reveal_secret(webhook_id: str, operator: FormSignedIn, secrets: Secrets) -> Response:
    async with operator.attempt("The signing secret, shown on this page only.") as outcome:
        secret = await webhooks.get_secret(operator.db, operator.principal, webhook_id, secrets)
    if outcome.ok:
        operator.reveal_once(secrets, {"secret": secret})
    return pages.redirect(f"/portal/webhooks/{webhook_id}")


@router.get("/webhooks/{webhook_id}/secret/rotate")
async def confirm_secret_rotation(request: Request, webhook_id: str, operator: SignedIn) -> Response:
    consumer = await webhooks.get(operator.db, operator.principal, webhook_id)
    return operator.confirm(
        request,
        "webhooks",
        Confirmation(
            f"Rotate the signing secret of {consumer.url}?",
            "Messages are signed with a new secret from now on; the previous one keeps signing them too for "
            "24 hours, while the receiver is given the new one.",
            "Rotate secret",
            f"/portal/webhooks/{consumer.id}",
        ),
    )


@router.post("/webhooks/{webhook_id}/secret/rotate")
async def rotate_secret(webhook_id: str, operator: ConfirmedSignedIn, secrets: Secrets) -> Response:
    async with operator.attempt(
        "Signing secret rotated. The previous secret keeps signing too for 24 hours."
    ) as outcome:
        secret = await webhooks.rotate_secret(operator.db, operator.principal, webhook_id, secrets)
    if outcome.ok:
        operator.reveal_once(secrets, {"secret": secret})
    return pages.redirect(f"/portal/webhooks/{webhook_id}")


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(webhook_id: str, delivery_id: str, operator: FormSignedIn) -> Response:
    async with operator.attempt("Delivery queued to be sent again now.") as outcome:
        delivery, _, _ = await webhooks.replay(operator.db, operator.principal, webhook_id, delivery_id)
        outcome.success = f"Delivery {delivery.message_id} queued to be sent again now."
    return pages.redirect(f"/portal/webhooks/{webhook_id}")
