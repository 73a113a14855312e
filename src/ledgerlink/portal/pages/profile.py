"""The client's profile in the Portal (name, logo, redirect URL, Link URLs' lifetime) and its API keys."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.clients import service as clients
from ledgerlink.clients.schemas import ApiKeyBody, ProfileBody
from ledgerlink.kit import browser_urls, pages
from ledgerlink.kit.errors import NotFound
from ledgerlink.kit.secrets import Secrets
from ledgerlink.portal import service as portal
from ledgerlink.portal.route import OptionalText, Text, portal_router
from ledgerlink.portal.service import Confirmation, ConfirmedSignedIn, FormSignedIn, SignedIn

router = portal_router()


async def _profile_page(request: Request, operator: SignedIn) -> Response:
    client = await clients.get_client(operator.db, operator.principal.client_id)
    keys = await clients.list_api_keys(operator.db, operator.principal.client_id)
    return operator.page(
        request,
        "portal/profile.html",
        "profile",
        {
            "title": "Profile and API keys",
            "client": client,
            "keys": [clients.api_key_view(k) for k in keys],
        },
    )


@router.get("/profile")
async def show_profile(request: Request, operator: SignedIn) -> Response:
    return await _profile_page(request, operator)


@router.post("/profile")
async def save_profile(
    operator: FormSignedIn,
    name: Text = "",
    logo_url: Text = "",
    redirect_url: Text = "",
    link_single_use: OptionalText = None,
    link_url_ttl_hours: Text = "24",
) -> Response:
    db, client_id = operator.db, operator.principal.client_id
    async with operator.attempt("Profile saved."):
        client = await clients.get_client(db, client_id)
        # The page edits these fields; the rest of the profile is kept as it is, but for an icon URL stored
        # before URLs were checked that no page would use (left in, it would refuse every save here).
        profile = client.profile | {
            "iconUrl": browser_urls.shown(client.icon_url),
            "name": name,
            "logoUrl": logo_url.strip() or None,
            "redirectUrl": redirect_url.strip(),
        }
        await clients.update_profile(db, client_id, portal.body(ProfileBody, profile))
        try:
            hours = int(link_url_ttl_hours)
        except ValueError:
            hours = 0
        await clients.set_link_urls(db, client_id, link_single_use == "on", hours)
    return pages.redirect("/portal/profile")


@router.post("/api-keys")
async def create_api_key(operator: FormSignedIn, secrets: Secrets, name: Text = "") -> Response:
    async with operator.attempt("API key created. Copy it now: it is not shown again.") as outcome:
        key, plain = await clients.create_api_key(
            operator.db, operator.principal.client_id, portal.body(ApiKeyBody, {"name": name.strip() or None})
        )
    if outcome.ok:
        # Shown on the page this redirects to, once: a refresh there neither shows it again nor makes another.
        operator.reveal_once(secrets, clients.api_key_view(key, plain))
    return pages.redirect("/portal/profile")


@router.get("/api-keys/{key_id}/delete")
async def confirm_api_key_deletion(request: Request, key_id: str, operator: SignedIn) -> Response:
    keys = await clients.list_api_keys(operator.db, operator.principal.client_id)
    key = next((k for k in keys if str(k.id) == key_id.lower()), None)
    if key is None:
        raise NotFound(f"No API key was found with ID {key_id}")
    shown = clients.api_key_view(key)
    this_session = (
        " This Portal session was signed in with it: it ends too."
        if key.id == operator.principal.api_key_id
        else ""
    )
    return operator.confirm(
        request,
        "profile",
        Confirmation(
            f"Delete the API key {shown['name'] or shown['apiKey'][-4:]}?",
            "Anything using it (an SDK, a script, a Portal session signed in with it) stops working at once. "
            f"It cannot be undone.{this_session}",
            "Delete API key",
            "/portal/profile",
        ),
    )


@router.post("/api-keys/{key_id}/delete")
async def delete_api_key(key_id: str, operator: ConfirmedSignedIn) -> Response:
    async with operator.attempt("API key deleted; Portal sessions signed in with it are ended."):
        await clients.delete_api_key(operator.db, operator.principal.client_id, key_id)
    return pages.redirect("/portal/profile")
