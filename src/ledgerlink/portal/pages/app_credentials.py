"""A platform's app credentials in the Portal: the client's own OAuth app (or Plaid keys), saved sealed, and
the redirect URI to register with the platform."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.kit import pages
from ledgerlink.kit.secrets import Secrets
from ledgerlink.oauth.flow import CALLBACK_PATH
from ledgerlink.portal.route import portal_router
from ledgerlink.portal.service import Confirmation, ConfirmedSignedIn, FormSignedIn, SignedIn

router = portal_router()


def _removal(name: str, view: app_credentials.AppCredentialsView) -> str:
    """What removing the client's own app credentials does, said on the page and on its confirmation."""
    if view.environment_details:
        return "The app set in ledgerlink's environment is used again."
    return (
        f"{name} is no longer enabled (Link stops offering it; switched on, it is enabled again when app "
        f"credentials are saved), and its connections cannot sync once they next need the app (a token "
        f"refresh, a call to {name}) until app credentials are saved again."
    )


async def _app_credentials_page(
    request: Request, operator: SignedIn, key: str, *, status_code: int = 200, **context: Any
) -> Response:
    connector = app_credentials.credentialed_connector(key)
    view = await app_credentials.describe(operator.db, operator.principal.client_id, connector)
    return operator.page(
        request,
        "portal/app_credentials.html",
        "integrations",
        {
            "title": f"{connector.info.name} app credentials",
            "view": view,
            "info": connector.info,
            "removal": _removal(connector.info.name, view),
            # What the operator registers with an OAuth platform as its app's redirect URI.
            "redirect_uri": operator.urls.base + CALLBACK_PATH if connector.oauth is not None else None,
            "problems": {},
            "given": {},
            **context,
        },
        status_code=status_code,
    )


@router.get("/integrations/{key}/credentials")
async def show_app_credentials(request: Request, key: str, operator: SignedIn) -> Response:
    return await _app_credentials_page(request, operator, key)


@router.post("/integrations/{key}/credentials")
async def save_app_credentials(
    request: Request, key: str, operator: FormSignedIn, secrets: Secrets
) -> Response:
    connector = app_credentials.credentialed_connector(key)
    given = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    try:
        async with operator.attempt(
            f"{connector.info.name} app credentials saved: Link uses them from now on."
        ):
            await app_credentials.save(operator.db, secrets, operator.principal.client_id, connector, given)
    except app_credentials.AppCredentialsInvalid as invalid:
        # The page again with what was typed, secrets left out: they are never sent back to the browser.
        shown = app_credentials.not_secret(connector, given)
        return await _app_credentials_page(
            request, operator, key, problems=invalid.problems, given=shown, status_code=422
        )
    return pages.redirect(f"/portal/integrations/{key}/credentials")


@router.get("/integrations/{key}/credentials/remove")
async def confirm_app_credentials_removal(request: Request, key: str, operator: SignedIn) -> Response:
    connector = app_credentials.credentialed_connector(key)
    name = connector.info.name
    view = await app_credentials.describe(operator.db, operator.principal.client_id, connector)
    return operator.confirm(
        request,
        "integrations",
        Confirmation(
            f"Remove your {name} app credentials?",
            _removal(name, view),
            f"Remove {name} app credentials",
            f"/portal/integrations/{key}/credentials",
        ),
    )


@router.post("/integrations/{key}/credentials/remove")
async def remove_app_credentials(key: str, operator: ConfirmedSignedIn) -> Response:
    connector = app_credentials.credentialed_connector(key)
    async with operator.attempt(f"{connector.info.name} app credentials removed."):
        await app_credentials.remove(operator.db, operator.principal.client_id, connector)
    return pages.redirect(f"/portal/integrations/{key}/credentials")
