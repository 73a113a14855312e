"""The client's Link settings in the Portal: the journey's source types (order, optional, allowed
integrations, file upload), the landing page, the company name confirmation (the profile's
`confirmCompanyName`), colour and logo, and the texts of one locale at a time.

The form is read into the API's document and saved through the same rules (`settings.link_settings`); a
refused form comes back (422) with what was typed and every problem listed, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ledgerlink.clients import service as clients
from ledgerlink.connectors import registry
from ledgerlink.kit import pages
from ledgerlink.portal import service as portal
from ledgerlink.portal.route import portal_router
from ledgerlink.portal.service import FormSignedIn, SignedIn
from ledgerlink.settings import link_settings
from ledgerlink.settings.link_settings import SOURCE_TYPES, TEXT_LIMITS, LinkSettingsBody

router = portal_router()
PATH = "/portal/link-settings"


def _integrations() -> dict[str, list[tuple[str, str]]]:
    """Every platform of each source type, as (key, name), for the allowed integrations' choices."""
    offered: dict[str, list[tuple[str, str]]] = {key: [] for key in SOURCE_TYPES}
    for connector in registry.CONNECTORS.values():
        for key, source_type in SOURCE_TYPES.items():
            if connector.info.source_type is source_type:
                offered[key].append((connector.info.key, connector.info.name))
    return {key: sorted(found, key=lambda item: item[1].lower()) for key, found in offered.items()}


def _locale(raw: str | None) -> str:
    locale = (raw or "en").strip().lower()
    return locale if link_settings.LOCALE.match(locale) else "en"


async def _page(
    request: Request,
    operator: SignedIn,
    document: dict[str, Any],
    locale: str,
    *,
    confirm_name: bool,
    refused: bool = False,
) -> Response:
    return operator.page(
        request,
        "portal/link_settings.html",
        "link",
        {
            "title": "Link settings",
            "document": document,
            "locale": locale,
            "texts": document.get("text", {}).get(locale, {}),
            "text_limits": TEXT_LIMITS,
            "plain_texts": link_settings.PLAIN_TEXTS,
            "source_types": SOURCE_TYPES,
            "integrations": _integrations(),
            "confirm_name": confirm_name,
        },
        status_code=422 if refused else 200,
    )


@router.get("/link-settings")
async def show_link_settings(request: Request, operator: SignedIn, locale: str = "en") -> Response:
    document = await link_settings.profile_settings(operator.db, operator.principal.client_id)
    client = await clients.get_client(operator.db, operator.principal.client_id)
    return await _page(request, operator, document, _locale(locale), confirm_name=client.confirm_company_name)


def _document(form: FormData, stored: dict[str, Any], locale: str) -> dict[str, Any]:
    """The form as the API's document; the other locales' texts are kept as stored."""
    chosen = []
    for position, key in enumerate(SOURCE_TYPES):
        if form.get(f"include_{key}") != "on":
            continue
        try:
            order = int(str(form.get(f"order_{key}", "")))
        except ValueError:
            order = position + 1
        allowed = [str(value) for value in form.getlist(f"allowed_{key}")]
        chosen.append(
            (
                order,
                position,
                key,
                {
                    "optional": form.get(f"optional_{key}") == "on",
                    "enableUpload": form.get(f"upload_{key}") == "on",
                    "allowedIntegrations": allowed or None,
                },
            )
        )
    texts = {key: str(form.get(f"text_{key}", "")).strip() for key in TEXT_LIMITS}
    return {
        "sourceTypes": {key: options for _, _, key, options in sorted(chosen)},
        "showLandingPage": form.get("show_landing_page") == "on",
        "theme": {
            "primaryColor": str(form.get("primary_color", "")).strip() or None,
            "logoUrl": str(form.get("logo_url", "")).strip() or None,
        },
        "text": {
            **{other: given for other, given in stored.get("text", {}).items() if other != locale},
            **(
                {locale: {key: value for key, value in texts.items() if value}} if any(texts.values()) else {}
            ),
        },
    }


@router.post("/link-settings")
async def save_link_settings(request: Request, operator: FormSignedIn) -> Response:
    form = await request.form()
    locale = _locale(str(form.get("locale", "")))
    stored = await link_settings.profile_settings(operator.db, operator.principal.client_id)
    document = _document(form, stored, locale)
    confirm_name = form.get("confirm_company_name") == "on"
    async with operator.attempt("Link settings saved.") as outcome:
        body = portal.body(LinkSettingsBody, document)
        await link_settings.save(operator.db, operator.principal.client_id, None, body)
        await clients.set_confirm_company_name(operator.db, operator.principal.client_id, confirm_name)
    if not outcome.ok:  # the problems are the page's notice; what was typed stays in the form
        return await _page(request, operator, document, locale, confirm_name=confirm_name, refused=True)
    return pages.redirect(f"{PATH}?locale={locale}")
