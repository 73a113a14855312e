"""The rules of Sync for Commerce's set-up: the sync-flow URL and its one-time codes, the configuration, the
client's texts and visible accounts."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.clients.models import Client
from ledgerlink.commerce import configuration, suggestions, texts
from ledgerlink.commerce.models import (
    CommerceConfiguration,
    SyncFlowCode,
    SyncFlowMerchant,
    SyncFlowMiss,
    SyncFlowText,
    VisibleAccounts,
)
from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.companies.queries import client_scope
from ledgerlink.companies.schemas import CompanyCreate, sanitize_name
from ledgerlink.connections import service as connections
from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus
from ledgerlink.connectors import registry
from ledgerlink.connectors.base import Connector
from ledgerlink.db import rows_changed, transaction_lock
from ledgerlink.kit import browser_urls
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.clock import utcnow
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.urls import PublicUrls
from ledgerlink.records.models import Record
from ledgerlink.records.registry import SourceType

# The one-time code in a sync-flow URL: six digits, spent on first use, dead after 30 seconds (Codat's).
CODE_SECONDS = 30
# Wrong codes one source address may try in a window; then it may try none until the window ends.
MAX_SOURCE_MISSES = 10
MISS_WINDOW = timedelta(minutes=15)
# The longest `merchantIdentifier` kept; the company made for it is named with it, sanitised (Codat's rule).
MAX_IDENTIFIER = 500
UNNAMED_MERCHANT = "Merchant"
# The most options of one kind (customers, suppliers) a configuration lists.
MAX_OPTIONS = 1_000


def _platform(key: str, source_type: SourceType) -> Connector:
    connector = registry.get(key)
    if connector is None:
        raise NotFound(f"No integration was found with key {key}")
    if connector.info.source_type is not source_type:
        raise BadRequest(f"{connector.info.name} ({key}) is not a {source_type.value.lower()} platform.")
    return connector


async def merchant_id(session: AsyncSession, client_id: uuid.UUID, identifier: str) -> uuid.UUID | None:
    """The company a `merchantIdentifier` names, matched exactly: its Codat company id; else the company the
    start URL made or found for that identifier; else the oldest company of that name no identifier has
    claimed (one the client made itself, named with its own id for the merchant: seed 000)."""
    try:
        as_id = uuid.UUID(identifier)
    except ValueError:
        as_id = None
    if as_id is not None:
        found = await session.scalar(select(Company.id).where(client_scope(client_id), Company.id == as_id))
        if found is not None:
            return found
    found = await session.scalar(
        select(SyncFlowMerchant.company_id).where(
            SyncFlowMerchant.client_id == client_id, SyncFlowMerchant.merchant_identifier == identifier
        )
    )
    if found is not None:
        return found
    claimed = select(SyncFlowMerchant.company_id).where(SyncFlowMerchant.company_id == Company.id).exists()
    return await session.scalar(
        select(Company.id)
        .where(client_scope(client_id), Company.name == identifier, ~claimed)
        .order_by(Company.created_at)
        .limit(1)
    )


async def _merchant(
    session: AsyncSession, principal: Principal, identifier: str, urls: PublicUrls
) -> Company:
    """The company `identifier` names (`merchant_id`), else a new one named with it (sanitised); either way
    the identifier is kept, exactly, as naming that company."""
    # Two starts for one new merchant at once would each make a company: they take turns.
    await transaction_lock(session, f"sync-flow-merchant:{principal.client_id}:{identifier}")
    found = await merchant_id(session, principal.client_id, identifier)
    if found is None:
        name = identifier if sanitize_name(identifier) else UNNAMED_MERCHANT
        found = (await companies.create(session, principal, CompanyCreate(name=name), urls)).id
    # Nothing when the identifier is already kept, or names a company another identifier claimed (by id).
    await session.execute(
        insert(SyncFlowMerchant)
        .values(client_id=principal.client_id, merchant_identifier=identifier, company_id=found)
        .on_conflict_do_nothing()
    )
    return await companies.get(session, principal, str(found), for_update=True)


async def _new_merchant(session: AsyncSession, principal: Principal, urls: PublicUrls) -> Company:
    """A start without `merchantIdentifier` (optional in Codat's spec): a new company every time, named
    `Merchant`, whose id stands for the identifier in the sync-flow URL. It is kept as that company's
    identifier, so no later start that names a merchant `Merchant` claims this company by its name."""
    made = await companies.create(session, principal, CompanyCreate(name=UNNAMED_MERCHANT), urls)
    session.add(
        SyncFlowMerchant(client_id=principal.client_id, merchant_identifier=str(made.id), company_id=made.id)
    )
    await session.flush()
    return await companies.get(session, principal, str(made.id), for_update=True)


def connection_to(company: Company, key: str) -> Connection | None:
    """The company's connection to a platform: its linked one if any, else its newest."""
    candidates = [c for c in company.connections if c.integration_key == key]
    linked = [c for c in candidates if c.status == ConnectionStatus.LINKED.value]
    pool = linked or candidates
    return max(pool, key=lambda c: c.created_at) if pool else None


async def start(
    session: AsyncSession,
    principal: Principal,
    commerce_key: str,
    accounting_key: str,
    merchant_identifier: str | None,
    redirect_url: str | None,
    urls: PublicUrls,
) -> str:
    """`GET /config/sync/commerce/{commerceKey}/{accountingKey}/start`: make sure the merchant's company, its
    two connections and its configuration exist, and hand out a sync-flow URL with a fresh one-time code."""
    commerce = _platform(commerce_key, SourceType.COMMERCE)
    accounting = _platform(accounting_key, SourceType.ACCOUNTING)
    identifier = merchant_identifier or ""
    # (A NUL never gets this far: `kit.inputs` refuses it at the door, in any request.)
    if len(identifier) > MAX_IDENTIFIER:
        raise BadRequest(
            "merchantIdentifier is your id for the merchant (any text up to "
            f"{MAX_IDENTIFIER} characters), or their Codat companyId."
        )
    redirect_target(redirect_url)  # refused before anything is made
    if identifier.strip():
        company = await _merchant(session, principal, identifier, urls)
    else:
        company = await _new_merchant(session, principal, urls)
        identifier = str(company.id)
    for connector in (commerce, accounting):
        if connection_to(company, connector.info.key) is None:
            await connections.create_for(session, company, connector, urls)
    await _configuration(session, company, commerce_key, accounting_key)
    code = f"{secrets.randbelow(1_000_000):06d}"
    redirect = redirect_target(redirect_url)
    session.add(
        SyncFlowCode(
            code_hash=_hash(company.id, code),
            company_id=company.id,
            redirect_url=redirect,
            expires_at=utcnow() + timedelta(seconds=CODE_SECONDS),
        )
    )
    query = {"merchantIdentifier": identifier, "otp": code}
    if redirect_url:
        query["redirectUrl"] = redirect_url.strip()
    return urls.sync_flow(principal.client_id, commerce_key, accounting_key, query)


def redirect_target(redirect_url: str | None) -> str | None:
    """The client's redirect URL as an absolute URL a browser may be sent to (`kit.browser_urls`: https, or
    http on a loopback host); the seed's bare `app.codat.io` means https."""
    if redirect_url is None:
        return None
    given = redirect_url.strip()
    target = given if "://" in given or urlsplit(given).scheme else f"https://{given}"
    try:
        return browser_urls.check(target)
    except ValueError:
        raise BadRequest(
            "redirectUrl is the web address to send the merchant to when they finish: it "
            f"{browser_urls.RULE}."
        ) from None


def _hash(company_id: uuid.UUID, code: str) -> str:
    # Bound to the company, so a code is only ever good for the merchant it was made for.
    return hashlib.sha256(f"{company_id}:{code}".encode()).hexdigest()


class CodeRefused(Exception):
    """A sync-flow URL that does not open the flow: `reason` is expired, used, invalid, or locked (its source
    has tried too many wrong codes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def source_of(host: str | None) -> str:
    """What wrong codes are counted against: the caller's IP address, or an IPv6 caller's /64 network (one
    subscriber is handed a whole /64, so counting single addresses there would count nothing)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "unknown")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


async def spend_code(
    session: AsyncSession, client_id: uuid.UUID, identifier: str, code: str, source: str
) -> tuple[uuid.UUID, str | None]:
    """Spend a sync-flow URL's one-time code on entering the flow: the merchant's company and the redirect URL
    the code was handed out with; or raise `CodeRefused` saying why not.

    Six digits are guessable given enough tries, so wrong ones are counted per source address: a source that
    has tried `MAX_SOURCE_MISSES` in the window may try nothing more until it ends. Counting per company
    instead would let anyone who knows a merchant's identifier lock the merchant out.
    """
    # Tries from one source take turns, so a burst of guesses cannot all pass the count before it grows.
    await transaction_lock(session, f"sync-flow-source:{source}")
    now = utcnow()
    counted = await session.scalar(select(SyncFlowMiss).where(SyncFlowMiss.source == source))
    if counted is not None and counted.expires_at > now and counted.misses >= MAX_SOURCE_MISSES:
        raise CodeRefused("locked")
    company_id = await merchant_id(session, client_id, identifier) if code else None
    found = (
        None
        if company_id is None
        else await session.scalar(
            select(SyncFlowCode).where(SyncFlowCode.code_hash == _hash(company_id, code)).with_for_update()
        )
    )
    if company_id is None or found is None:
        await _count_miss(session, source, now)
        raise CodeRefused("invalid")
    if found.used_at is not None:
        raise CodeRefused("used")
    if found.expires_at <= now:
        raise CodeRefused("expired")
    found.used_at = now
    return company_id, found.redirect_url


async def _count_miss(session: AsyncSession, source: str, now: datetime) -> None:
    """One more wrong code from `source`: its one row, started afresh when its window has ended."""
    ended = SyncFlowMiss.expires_at <= now
    fresh = insert(SyncFlowMiss).values(source=source, misses=1, expires_at=now + MISS_WINDOW)
    await session.execute(
        fresh.on_conflict_do_update(
            index_elements=[SyncFlowMiss.source],
            set_={
                "misses": case((ended, 1), else_=SyncFlowMiss.misses + 1),
                "expires_at": case((ended, fresh.excluded.expires_at), else_=SyncFlowMiss.expires_at),
            },
        )
    )


async def prune_codes(session: AsyncSession) -> int:
    """Forget codes dead for an hour and windows of wrong codes that have ended."""
    now = utcnow()
    codes = await rows_changed(
        session, delete(SyncFlowCode).where(SyncFlowCode.expires_at < now - timedelta(hours=1))
    )
    misses = await rows_changed(session, delete(SyncFlowMiss).where(SyncFlowMiss.expires_at < now))
    return codes + misses


async def _configuration(
    session: AsyncSession, company: Company, commerce_key: str | None, accounting_key: str | None
) -> CommerceConfiguration:
    found = await session.get(CommerceConfiguration, company.id, with_for_update=True)
    if found is None:
        commerce_key = commerce_key or _key_of(company, SourceType.COMMERCE)
        accounting_key = accounting_key or _key_of(company, SourceType.ACCOUNTING)
        if commerce_key is None or accounting_key is None:
            raise BadRequest(
                "Sync for Commerce needs the company to have a commerce and an accounting connection: "
                "start its sync flow with GET /config/sync/commerce/{commerceKey}/{accountingKey}/start."
            )
        now = utcnow()
        found = CommerceConfiguration(
            company_id=company.id,
            commerce_key=commerce_key,
            accounting_key=accounting_key,
            enable=False,
            configured=False,
            selections=configuration.empty_selections(now),
            updated_at=now,
        )
        session.add(found)
        await session.flush()
    elif commerce_key and accounting_key:
        found.commerce_key, found.accounting_key = commerce_key, accounting_key
    return found


def _key_of(company: Company, source_type: SourceType) -> str | None:
    for connection in sorted(company.connections, key=lambda c: c.created_at):
        connector = registry.get(connection.integration_key)
        if connector is not None and connector.info.source_type is source_type:
            return connection.integration_key
    return None


async def _records(
    session: AsyncSession, connection: Connection | None, data_type: str, limit: int | None = None
) -> list[dict[str, Any]]:
    if connection is None:
        return []
    statement = (
        select(Record.data)
        .where(
            Record.connection_id == connection.id, Record.data_type == data_type, Record.is_deleted.is_(False)
        )
        .order_by(Record.record_id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.scalars(statement)).all())


async def books(
    session: AsyncSession, company: Company, found: CommerceConfiguration
) -> configuration.MerchantBooks:
    """The options of a configuration: what was last pulled from the two connections, narrowed by the
    client's visible accounts."""
    accounting = connection_to(company, found.accounting_key)
    commerce = connection_to(company, found.commerce_key)
    info = await _records(session, accounting, "company")
    commerce_info = await _records(session, commerce, "commerce-companyInfo")
    shown = await session.scalar(
        select(VisibleAccounts.accounts).where(
            VisibleAccounts.client_id == company.client_id,
            VisibleAccounts.platform_key == found.accounting_key,
        )
    )
    accounts = configuration.visible(await _records(session, accounting, "chartOfAccounts"), shown)
    currency = info[0].get("baseCurrency") if info else None
    country = None
    for address in (info[0].get("addresses") or []) if info else []:
        country = country or address.get("country")
    return configuration.MerchantBooks(
        company_name=(info[0].get("companyName") if info else None),
        accounts=sorted(accounts, key=lambda a: (a.get("nominalCode") or "", a.get("name") or "")),
        tax_rates=await _records(session, accounting, "taxRates"),
        customers=await _records(session, accounting, "customers", MAX_OPTIONS),
        suppliers=await _records(session, accounting, "suppliers", MAX_OPTIONS),
        commerce_taxes=await _records(session, commerce, "commerce-taxComponents"),
        payment_methods=[
            m
            for m in await _records(session, commerce, "commerce-paymentMethods")
            if m.get("status", "Active") == "Active"
        ],
        currency=currency or (commerce_info[0].get("baseCurrency") if commerce_info else None),
        country_code=country,
    )


async def company_configuration(
    session: AsyncSession, principal: Principal, company_id: str
) -> tuple[Company, CommerceConfiguration]:
    company = await companies.get(session, principal, company_id, for_update=True)
    return company, await _configuration(session, company, None, None)


async def get_configuration(session: AsyncSession, principal: Principal, company_id: str) -> dict[str, Any]:
    company, found = await company_configuration(session, principal, company_id)
    return await show(session, company, found, "en-us")


async def show(
    session: AsyncSession,
    company: Company,
    found: CommerceConfiguration,
    locale: str,
    selections: dict[str, Any] | None = None,
    *,
    suggest: bool = False,
) -> dict[str, Any]:
    """The configuration document; with `selections`, as it would be with those (a form being corrected).
    With `suggest`, a configuration never saved shows what the books suggest for each unmade choice (the
    Sync Flow form's starting point; nothing is stored until the merchant saves)."""
    shown = await texts_for(session, company.client_id, locale, company=found)
    merchant_books = await books(session, company, found)
    chosen = selections or found.selections
    if suggest and not found.configured:
        commerce = registry.get(found.commerce_key)
        name = commerce.info.name if commerce is not None else found.commerce_key
        chosen = suggestions.fill(chosen, merchant_books, name)
    return configuration.document(
        str(company.id), found.enable, found.configured, chosen, merchant_books, shown
    )


async def set_configuration(
    session: AsyncSession, principal: Principal, company_id: str, body: Any
) -> dict[str, Any]:
    """`POST /config/companies/{companyId}/sync/commerce`: the body (optional, Codat's `Configuration`) sets
    what it names; the result is checked against the books before it is kept."""
    if body is not None and not isinstance(body, dict):
        raise BadRequest("The configuration is a JSON object shaped like Codat's Configuration.")
    company, found = await company_configuration(session, principal, company_id)
    if body:
        await configure(session, company, found, body)
    return await show(session, company, found, "en-us")


async def configure(
    session: AsyncSession, company: Company, found: CommerceConfiguration, body: dict[str, Any]
) -> None:
    """Lay a configuration body over the company's selections, check them against the books, keep them."""
    try:
        selections = configuration.merge(found.selections, body)
        configuration.check(selections, await books(session, company, found))
    except configuration.SelectionInvalid as invalid:
        raise BadRequest(
            "The configuration is not valid: " + str(invalid),
            validation_errors=[
                {"itemId": field, "message": message, "validatorName": "Configuration"}
                for field, message in invalid.errors
            ],
        ) from None
    enable = body.get("enable")
    if enable is not None and not isinstance(enable, bool):
        raise BadRequest("enable is true or false.")
    found.selections = selections
    found.configured = True
    found.enable = True if enable is None else enable
    found.updated_at = utcnow()


async def texts_for(
    session: AsyncSession, client_id: uuid.UUID, locale: str, *, company: CommerceConfiguration | None = None
) -> dict[str, str]:
    """Every text in a locale, the client's wording over the defaults, platform names filled in."""
    chosen = texts.defaults(locale)
    rows = await session.execute(
        select(SyncFlowText.key, SyncFlowText.text).where(
            SyncFlowText.client_id == client_id, SyncFlowText.locale == locale
        )
    )
    chosen.update(dict(rows.tuples().all()))
    if company is not None:
        names = {"commerce": _name(company.commerce_key), "accounting": _name(company.accounting_key)}
        chosen = {
            key: value.replace("{commerce}", names["commerce"]).replace("{accounting}", names["accounting"])
            for key, value in chosen.items()
        }
    return chosen


def _name(key: str) -> str:
    connector = registry.get(key)
    return connector.info.name if connector else key


def check_locale(locale: str | None) -> str:
    if locale not in texts.LOCALES:
        raise BadRequest(f"locale must be one of {', '.join(texts.LOCALES)}.")
    return locale


async def localization(session: AsyncSession, client_id: uuid.UUID, locale: str | None) -> dict[str, Any]:
    """Codat's `LocalizationInfo`: each text with whether it may be blank."""
    chosen = await texts_for(session, client_id, check_locale(locale))
    return {key: {"text": chosen[key], "required": texts.BY_KEY[key].required} for key in chosen}


async def reword(
    session: AsyncSession, client_id: uuid.UUID, locale: str | None, body: Any
) -> dict[str, Any]:
    """`PATCH /sync/commerce/config/ui/text`: `{key: {"text": ...}}` (or a bare string); null or a null text
    puts the default back; "" blanks a text that may be blank."""
    locale = check_locale(locale)
    if not isinstance(body, dict) or not body:
        raise BadRequest('The body maps text keys to new texts: {"welcome.title": {"text": "..."}}.')
    errors = []
    changes: dict[str, str | None] = {}
    for key, value in body.items():
        text = value.get("text") if isinstance(value, dict) else value
        known = texts.BY_KEY.get(key)
        if known is None:
            errors.append(
                {"itemId": key, "message": f"{key} is not a Sync Flow text.", "validatorName": "Text"}
            )
        elif text is not None and not isinstance(text, str):
            errors.append({"itemId": key, "message": "A text is a string, or null.", "validatorName": "Text"})
        elif isinstance(text, str) and len(text) > texts.MAX_TEXT_LENGTH:
            errors.append(
                {
                    "itemId": key,
                    "message": f"At most {texts.MAX_TEXT_LENGTH} characters.",
                    "validatorName": "Text",
                }
            )
        elif text == "" and known.required:
            errors.append({"itemId": key, "message": f"{key} may not be blank.", "validatorName": "Text"})
        else:
            changes[key] = text
    if errors:
        raise BadRequest("Some texts cannot be set.", validation_errors=errors)
    for key, text in changes.items():
        if text is None:
            await session.execute(
                delete(SyncFlowText).where(
                    SyncFlowText.client_id == client_id,
                    SyncFlowText.locale == locale,
                    SyncFlowText.key == key,
                )
            )
        else:
            await session.execute(
                insert(SyncFlowText)
                .values(client_id=client_id, locale=locale, key=key, text=text)
                .on_conflict_do_update(index_elements=["client_id", "locale", "key"], set_={"text": text})
            )
    return await localization(session, client_id, locale)


async def visible_accounts(
    session: AsyncSession, principal: Principal, client_id: str, platform_key: str
) -> dict[str, Any]:
    if client_id.lower() != str(principal.client_id):
        raise NotFound(f"No client was found with id {client_id}")
    _platform(platform_key, SourceType.ACCOUNTING)
    shown = await session.scalar(
        select(VisibleAccounts.accounts).where(
            VisibleAccounts.client_id == principal.client_id, VisibleAccounts.platform_key == platform_key
        )
    )
    return {"visibleAccounts": shown}


async def set_visible_accounts(
    session: AsyncSession, principal: Principal, platform_key: str, body: Any
) -> dict[str, Any]:
    _platform(platform_key, SourceType.ACCOUNTING)
    if not isinstance(body, dict) or "visibleAccounts" not in body:
        raise BadRequest('The body is {"visibleAccounts": [account ids, nominal codes or names] or null}.')
    shown = body["visibleAccounts"]
    if shown is not None and (
        not isinstance(shown, list)
        or not all(isinstance(a, str) and a.strip() for a in shown)
        or len(shown) > 5000
    ):
        raise BadRequest(
            "visibleAccounts is a list of up to 5,000 account ids, nominal codes or names, or null."
        )
    accounts = None if shown is None else sorted({a.strip() for a in shown})
    await session.execute(
        insert(VisibleAccounts)
        .values(client_id=principal.client_id, platform_key=platform_key, accounts=accounts)
        .on_conflict_do_update(index_elements=["client_id", "platform_key"], set_={"accounts": accounts})
    )
    return {"visibleAccounts": accounts}


async def client_of(session: AsyncSession, client_id: uuid.UUID) -> Client | None:
    return await session.get(Client, client_id)
