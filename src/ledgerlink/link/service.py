"""The rules of the hosted Link flow: who may enter, what is offered, which connection is linked, and
where the business goes afterwards.

The journey (docs/architecture.md, "Link"): the company's `redirect` opens software selection; choosing
an integration shows what will be shared; "Connect" makes (or reuses) the company's connection to it and
hands over to the platform's authorization: the connector's OAuth2 consent page, the platform's own widget
on a Link page (Plaid Link), or the Sandbox's own approve page. A connection's `linkUrl` enters at that
last step for its own connection, so a PendingAuth connection is resumed and a Deauthorized or Unlinked
one is re-linked in place (same id, data kept). The end is a confirmation, then the client's
`profile.redirectUrl` with its placeholders filled. A visit through the company's `redirect` walks the
Link settings' source types in turn (`link.journey`), so the confirmation leads on to the next one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ledgerlink.app_credentials import service as app_credentials
from ledgerlink.clients.models import Client
from ledgerlink.clients.tenants import check_active
from ledgerlink.companies.models import Company
from ledgerlink.connections import service as connections
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus, emit_connection_event
from ledgerlink.connectors import registry
from ledgerlink.connectors.base import AuthorizationRejected, Connector, Widget
from ledgerlink.integrations import service as integrations
from ledgerlink.kit import browser_urls
from ledgerlink.kit.errors import BadRequest
from ledgerlink.kit.pages import SECURITY_HEADERS, PageError
from ledgerlink.kit.secrets import SecretBox
from ledgerlink.kit.urls import LinkCodeExpired, LinkCodeInvalid, LinkCodes, PublicUrls
from ledgerlink.link.models import LinkCodeUsed
from ledgerlink.link.visit import Visit
from ledgerlink.records.registry import SourceType
from ledgerlink.settings import link_settings
from ledgerlink.settings.link_settings import LinkSettings

# How Link groups integrations, in this order.
SOURCE_TYPES = (SourceType.ACCOUNTING, SourceType.BANKING, SourceType.COMMERCE)
STATUS_TEXT = {
    200: "Connected",
    201: "Already connected",
    403: "User cancelled linking",
    500: "Unknown error occurred.",
    501: "Not supported.",
}
ERROR_MESSAGE = {403: "User cancelled.", 500: "Unknown error occurred.", 501: "Not supported."}

_INVALID_LINK = PageError(
    404,
    "This link is not valid",
    "We couldn't find what this link is for. Ask whoever sent it for a new one.",
)


@dataclass(frozen=True)
class OfferedIntegration:
    """An integration as Link offers it."""

    key: str
    name: str
    source_type: SourceType
    logo_url: str
    is_sandbox: bool
    linked: bool
    suggested: bool


@dataclass(frozen=True)
class LinkTarget:
    """The company a Link URL names, the client it belongs to, and the Link settings its visits use (the
    client's, with the company's overrides)."""

    company: Company
    client: Client
    settings: LinkSettings

    @property
    def logo_url(self) -> str | None:
        """The logo Link shows: the settings' (a company's brand), else the profile's."""
        return browser_urls.shown(self.settings.logo_url) or browser_urls.shown(self.client.logo_url)


async def load(session: AsyncSession, company_id: str, *, for_update: bool = False) -> LinkTarget:
    """The company a Link URL names, with its connections, and the client it belongs to."""
    try:
        parsed = uuid.UUID(company_id)
    except ValueError:
        raise _INVALID_LINK from None
    statement = select(Company).where(Company.id == parsed).options(selectinload(Company.connections))
    company = await session.scalar(statement.with_for_update(of=Company) if for_update else statement)
    if company is None:
        raise _INVALID_LINK
    client = await session.get(Client, company.client_id)
    assert client is not None  # a company cascades with its client
    check_active(client)
    return LinkTarget(company, client, await link_settings.for_visit(session, client.id, company.id))


def connection_in(target: LinkTarget, connection_id: str) -> Connection:
    for connection in target.company.connections:
        if str(connection.id) == connection_id.lower():
            return connection
    raise _INVALID_LINK


async def enter(
    session: AsyncSession,
    target: LinkTarget,
    code: str | None,
    current: Visit | None,
    code_key: bytes,
    parameters: dict[str, str],
    *,
    journey: bool,
) -> Visit:
    """Start (or continue) a visit at an entry page, spending the Link URL's one-time code if it has one.

    A client with single-use Link URLs needs a code: a new, unused, unexpired one, or the visit that
    spent one. Without the setting any visit may start; a code, if present, is still checked and spent.
    `journey`: entered through the company's `redirect` (the whole journey) rather than a connection's
    `linkUrl` (that connection only).
    """
    if code:
        try:
            code_hash, expires = LinkCodes.check(code_key, target.company.id, code)
        except LinkCodeExpired:
            raise PageError(401, "This link has expired", "Ask whoever sent it for a new link.") from None
        except LinkCodeInvalid:
            raise PageError(401, "This link is not valid", "Ask whoever sent it for a new link.") from None
        spent = await session.execute(
            insert(LinkCodeUsed)
            .values(code_hash=code_hash, company_id=target.company.id, expires_at=expires)
            .on_conflict_do_nothing()
            .returning(LinkCodeUsed.code_hash)
        )
        if spent.scalar() is None:
            raise PageError(
                401,
                "This link has already been used",
                "Each link works once. Ask whoever sent it for a new one.",
            )
        return Visit(target.company.id, parameters=parameters, journey=journey)
    if current is not None:
        # Re-entering with other Link URL parameters carries on the visit with those.
        return current.but(parameters=parameters or current.parameters, journey=journey)
    if target.client.link_single_use:
        raise PageError(
            401,
            "This link is not valid",
            "This address needs the one-time code it was sent with. Ask for a new link.",
        )
    return Visit(target.company.id, parameters=parameters, journey=journey)


def require(current: Visit | None) -> Visit:
    """The visit a page inside the flow belongs to."""
    if current is None:
        raise PageError(
            401,
            "Your session has ended",
            "Open the link you were given again to carry on connecting your software.",
        )
    return current


async def offered(
    session: AsyncSession, target: LinkTarget, visit: Visit, urls: PublicUrls
) -> dict[SourceType, list[OfferedIntegration]]:
    """The client's enabled integrations (switched on and configured: no platform a business cannot connect
    is shown), grouped by source type; sandboxes unless the URL hides them."""
    enabled = await integrations.enabled_keys(session, target.client.id)
    hide_sandboxes = (visit.option("showSandboxIntegrations") or "").lower() == "false"
    linked = {
        c.integration_key for c in target.company.connections if c.status == ConnectionStatus.LINKED.value
    }
    groups: dict[SourceType, list[OfferedIntegration]] = {source_type: [] for source_type in SOURCE_TYPES}
    for key in enabled:
        connector = registry.get(key)
        if connector is None or connector.info.source_type not in groups:
            continue
        if hide_sandboxes and connector.info.is_sandbox:
            continue
        if visit.embed_origin and connector.oauth is not None:
            continue  # its sign-in cannot open in a frame (`signs_in_elsewhere`)
        groups[connector.info.source_type].append(
            OfferedIntegration(
                key=connector.info.key,
                name=connector.info.name,
                source_type=connector.info.source_type,
                logo_url=urls.integration_image(connector.info.key, "square"),
                is_sandbox=connector.info.is_sandbox,
                linked=connector.info.key in linked,
                suggested=connector.info.key == target.company.platform_type,
            )
        )
    for group in groups.values():
        group.sort(key=lambda i: (not i.suggested, i.is_sandbox, i.name.lower()))
    return {source_type: group for source_type, group in groups.items() if group}


def not_available(connector: Connector) -> PageError:
    return PageError(
        501,
        f"{connector.info.name} is not available yet",
        "It has not been set up here. Go back and choose another.",
    )


def signs_in_elsewhere(connector: Connector, target: LinkTarget) -> PageError:
    """An OAuth platform in an embedded visit: its consent page refuses to be framed (and no popup is opened
    yet), so the embedded Link does not offer it; one reached anyway is this page, not a blank frame."""
    return PageError(
        501,
        f"{connector.info.name} cannot be connected here",
        f"It signs in on its own site, which cannot open inside this page. Go back and choose another, or "
        f"ask {target.client.name} for a link to open on its own.",
    )


async def chosen(session: AsyncSession, target: LinkTarget, key: str) -> Connector:
    """The integration the business picked (or a connection's `linkUrl` names): one the client has switched
    on and that is configured, i.e. enabled."""
    connector = registry.get(key)
    row = None if connector is None else await integrations.find(session, target.client.id, key)
    if connector is None or row is None or not row.switched_on:
        raise PageError(404, "This software is not offered", "Go back and choose another.")
    if not row.enabled:
        raise not_available(connector)
    return connector


async def connection_for(
    session: AsyncSession, target: LinkTarget, connector: Connector, urls: PublicUrls
) -> Connection:
    """The connection to authorize: the company's latest unlinked one to this platform (resumed or re-linked
    in place, keeping its id and data), or a new PendingAuth one."""
    reusable = [
        c
        for c in target.company.connections
        if c.integration_key == connector.info.key and c.status != ConnectionStatus.LINKED.value
    ]
    if reusable:
        return max(reusable, key=lambda c: c.created_at)
    try:
        return await connections.create_for(session, target.company, connector, urls)
    except BadRequest as refused:
        raise PageError(409, "This software cannot be connected", refused.message) from None


def already_linked(target: LinkTarget, connector: Connector) -> Connection | None:
    """For accounting (one linked at a time): the company's linked connection to this same platform."""
    if connector.info.source_type is not SourceType.ACCOUNTING:
        return None
    for connection in target.company.connections:
        if (
            connection.integration_key == connector.info.key
            and connection.status == ConnectionStatus.LINKED.value
        ):
            return connection
    return None


async def approve_sandbox(
    session: AsyncSession, target: LinkTarget, connection: Connection, secrets: SecretBox, urls: PublicUrls
) -> None:
    """The business approved on the Sandbox's own page: the connection links with default books."""
    connector = registry.get(connection.integration_key)
    assert connector is not None
    try:
        connections.check_single_accounting(target.company, connector, exclude=connection.id)
    except BadRequest as refused:
        raise PageError(409, "This software cannot be connected", refused.message) from None
    await connections.link(
        session, target.company, connection, secrets.seal(connector.check_credentials({})), urls
    )


@contextmanager
def _refusals(failed: Callable[[str], Exception]) -> Iterator[None]:
    """What linking can refuse: the platform's refusal becomes the page's own failure (the business may try
    again), a second linked connection to an accounting platform a 409 page."""
    try:
        yield
    except AuthorizationRejected as rejected:
        raise failed(str(rejected)) from None
    except BadRequest as refused:
        raise PageError(409, "This software cannot be connected", refused.message) from None


class CredentialsRejected(Exception):
    """The platform did not accept what the business typed (shown on the form, nothing stored)."""


async def link_with_credentials(
    session: AsyncSession,
    target: LinkTarget,
    connection: Connection,
    given: dict[str, str],
    secrets: SecretBox,
    urls: PublicUrls,
) -> None:
    """The business typed its credentials into Link: the connector checks them, and they are stored sealed."""
    connector = registry.get(connection.integration_key)
    assert connector is not None
    credentials = {
        field.name: given.get(field.name, "").strip() for field in connector.info.credential_fields
    }
    missing = [field.label for field in connector.info.credential_fields if not credentials[field.name]]
    if missing:
        raise CredentialsRejected(f"Fill in {', '.join(missing)}.")
    with _refusals(CredentialsRejected):
        checked = connector.check_credentials(credentials)
        await connector.verify_credentials(checked)
        connections.check_single_accounting(target.company, connector, exclude=connection.id)
    await connections.link(session, target.company, connection, secrets.seal(checked), urls)


@dataclass(frozen=True)
class WidgetStart:
    """A platform's widget, ready to open on the authorize page."""

    widget: Widget
    # What the platform's script is opened with (Plaid's `link_token`), written into the page.
    config: dict[str, object]
    # The page's Content-Security-Policy: ours, plus the widget's origins for scripts, frames and calls.
    content_security_policy: str


async def start_widget(
    session: AsyncSession,
    target: LinkTarget,
    connection: Connection,
    connector: Connector,
    secrets: SecretBox,
) -> WidgetStart:
    """Ask the platform for what its widget opens with; a refusal is a failed link the business can retry."""
    assert connector.widget is not None
    app = await app_credentials.resolve(session, secrets, target.client.id, connector)
    try:
        config = await connector.start_widget(
            company_id=target.company.id, connection_id=connection.id, client_name=target.client.name, app=app
        )
    except AuthorizationRejected as rejected:
        raise PageError(502, f"{connector.info.name} could not be opened", str(rejected)) from None
    return WidgetStart(connector.widget, config, widget_policy(connector.widget))


def widget_policy(widget: Widget) -> str:
    """Link's Content-Security-Policy with the widget's script origin allowed to run and to frame its pages
    (Plaid Link draws itself in an iframe from its CDN), and its API origins allowed to be called."""
    script = _origin(widget.script_url)
    connect = " ".join(dict.fromkeys([script, *widget.connect_origins]))
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    return policy.replace(
        "script-src 'self';", f"script-src 'self' {script}; frame-src {script}; connect-src 'self' {connect};"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class WidgetFailed(Exception):
    """The platform's widget ended in an error, or its token was refused (the link failed; nothing stored)."""


async def link_with_widget(
    session: AsyncSession,
    target: LinkTarget,
    connection: Connection,
    token: str,
    secrets: SecretBox,
    urls: PublicUrls,
) -> None:
    """The business finished the platform's widget: its one-time token is exchanged by the connector for
    what to store (sealed), and the connection links."""
    connector = registry.get(connection.integration_key)
    assert connector is not None and connector.widget is not None
    app = await app_credentials.resolve(session, secrets, target.client.id, connector)
    with _refusals(WidgetFailed):
        credentials = await connector.complete_widget(token.strip(), app)
        connections.check_single_accounting(target.company, connector, exclude=connection.id)
    await connections.link(session, target.company, connection, secrets.seal(credentials), urls)


def report_failure(
    session: AsyncSession, target: LinkTarget, connection: Connection, urls: PublicUrls
) -> None:
    """Linking failed at the platform (not a cancel): the client hears of it as `connection.failed`."""
    emit_connection_event(session, target.company, connection, "connection.failed", urls)


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def redirect_url(
    target: LinkTarget, connection: Connection | None, status_code: int, visit: Visit | None
) -> str | None:
    """The client's `redirectUrl` with its placeholders filled, or None when the client has set none.

    Reserved names come from the flow; any other `{name}` takes the Link URL's parameter of that name
    (or nothing). Values are URL-encoded. A visit handed over by another flow goes back to that flow; an
    embedded visit to its own last page. A URL the profile would not accept now (stored before the rule)
    is None: Link ends on its own page.
    """
    if visit is not None and visit.return_to:
        return visit.return_to
    if visit is not None and visit.embed_origin:
        # The embedded Link's end is not followed inside the frame: its own page tells the client's page
        # (`onFinish`, or `onClose` for a cancel or an error), which decides what follows.
        outcome = "finish" if status_code in (200, 201) else "close"
        return f"/link/company/{target.company.id}/embedded/{outcome}"
    template = target.client.redirect_url
    if not template:
        return None
    connector = registry.get(connection.integration_key) if connection is not None else None
    values = {
        "clientId": str(target.client.id),
        "companyId": str(target.company.id),
        "connectionId": str(connection.id) if connection else "",
        "integrationId": str(connector.info.integration_id) if connector else "",
        "sourceId": str(connector.info.source_id) if connector else "",
        "platform": connector.info.key if connector else "",
        "platformName": connector.info.name if connector else "",
        "sourceType": connector.info.source_type.value if connector else "",
        "statusCode": str(status_code),
        "statusText": STATUS_TEXT.get(status_code, ""),
        "errorMessage": ERROR_MESSAGE.get(status_code, ""),
        "data.company.companyName": target.company.name,
    }
    parameters = visit.parameters if visit else {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values[name] if name in values else parameters.get(name, "")
        return quote(value, safe="")

    return browser_urls.shown(_PLACEHOLDER.sub(fill, template))
