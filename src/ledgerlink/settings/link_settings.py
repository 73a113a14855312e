"""Link settings: what a business's Link visit walks (source types in order, optional ones, allowed
integrations, file upload), its landing page, texts per locale, consent, colour, logo and exit text.

After the options of Codat's Link SDK (`sourceTypes`, `showLandingPage`, `theme`, `text`), which Codat sets
in its Portal or per embed; Codat has no public API for them, so these are ledgerlink's own operations:
the client's (profile) settings, and a company's overrides of them (a field a company sets replaces the
profile's; texts are merged per locale and key, as the SDK's options override the Portal's).

The document is stored as `json`, not `jsonb`: the order of `sourceTypes`' keys is the journey's order.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.connectors import registry
from ledgerlink.kit import browser_urls
from ledgerlink.kit.errors import BadRequest
from ledgerlink.records.registry import SourceType
from ledgerlink.settings.models import LinkSettingsRow

# The source types a Link visit walks, by the names Codat's SDK gives them.
SOURCE_TYPES = {
    "accounting": SourceType.ACCOUNTING,
    "banking": SourceType.BANKING,
    "commerce": SourceType.COMMERCE,
}
PLACEHOLDERS = ("{companyName}", "{platformName}")
# Every text a page shows, with its longest length; titles are plain text, the rest Markdown.
TEXT_LIMITS = {
    "landing.title": 120,
    "landing.subtitle": 2_000,
    "companyName.title": 120,
    "companyName.subtitle": 1_000,
    "main.title": 120,
    "main.subtitle": 1_000,
    "consent.purpose": 1_000,
    "consent.access": 2_000,
    "consent.retention": 1_000,
    "consent.terms": 5_000,
    "exit.title": 120,
    "exit.message": 1_000,
}
PLAIN_TEXTS = frozenset(key for key in TEXT_LIMITS if key.endswith(".title"))
CONSENT_SECTIONS = ("purpose", "access", "retention", "terms")
MAX_LOCALES = 20
LOCALE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
_BRACED = re.compile(r"\{[^{}]*\}")
DEFAULT_DOCUMENT: dict[str, Any] = {
    "sourceTypes": {
        "accounting": {"optional": False, "enableUpload": False, "allowedIntegrations": None},
        "banking": {"optional": True, "enableUpload": False, "allowedIntegrations": None},
        "commerce": {"optional": True, "enableUpload": False, "allowedIntegrations": None},
    },
    "showLandingPage": False,
    "theme": {"primaryColor": None, "logoUrl": None},
    "text": {},
}


class SourceTypeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    optional: bool = False
    enable_upload: bool = Field(default=False, alias="enableUpload")
    # None: every integration of the source type the client has enabled.
    allowed_integrations: list[str] | None = Field(default=None, alias="allowedIntegrations", max_length=50)


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    primary_color: str | None = Field(default=None, alias="primaryColor", pattern=r"^#[0-9A-Fa-f]{6}$")
    # None: the profile's `logoUrl`.
    logo_url: str | None = Field(default=None, alias="logoUrl", max_length=browser_urls.MAX_LENGTH)


class LinkSettingsBody(BaseModel):
    """A client's Link settings, or a company's overrides of them (a field left out is not overridden)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source_types: dict[str, SourceTypeOptions] | None = Field(
        default=None, alias="sourceTypes", min_length=1, max_length=len(SOURCE_TYPES)
    )
    show_landing_page: bool | None = Field(default=None, alias="showLandingPage")
    theme: Theme | None = None
    text: dict[str, dict[str, str]] | None = Field(default=None, max_length=MAX_LOCALES)

    def document(self) -> dict[str, Any]:
        """The fields given, in the API's shape (`sourceTypes` in the order given)."""
        given = self.model_dump(by_alias=True, exclude_none=True)
        if self.source_types is not None:
            given["sourceTypes"] = {
                name: options.model_dump(by_alias=True) for name, options in self.source_types.items()
            }
        if self.text is not None:
            given["text"] = {locale.lower(): texts for locale, texts in self.text.items()}
        return given


def check(body: LinkSettingsBody) -> dict[str, Any]:
    """The body's document, or Codat's 400 with a validation item per problem (nothing is stored)."""
    problems: list[tuple[str, str]] = []
    for name, options in (body.source_types or {}).items():
        source_type = SOURCE_TYPES.get(name)
        if source_type is None:
            problems.append((f"sourceTypes.{name}", f"Must be one of {', '.join(SOURCE_TYPES)}."))
            continue
        for index, key in enumerate(options.allowed_integrations or []):
            connector = registry.get(key)
            if connector is None or connector.info.source_type is not source_type:
                problems.append(
                    (
                        f"sourceTypes.{name}.allowedIntegrations.{index}",
                        f"{key!r} is not the platform key of a {source_type.value.lower()} integration.",
                    )
                )
    if body.theme is not None and body.theme.logo_url is not None:
        try:
            browser_urls.check(body.theme.logo_url)
        except ValueError as refused:
            problems.append(("theme.logoUrl", f"The logo URL {refused}."))
    for locale, texts in (body.text or {}).items():
        if not LOCALE.match(locale.lower()):
            problems.append((f"text.{locale}", "A locale is a language code, such as en or fr-ca."))
        for key, value in texts.items():
            problems.extend(_text_problems(f"text.{locale}.{key}", key, value))
    if problems:
        summary = "; ".join(f"{item}: {message}" for item, message in problems)
        raise BadRequest(
            f"The Link settings are invalid. {summary}",
            validation_errors=[
                {"itemId": item, "message": message, "validatorName": "linkSettings"}
                for item, message in problems
            ],
        )
    return body.document()


def _text_problems(item: str, key: str, value: str) -> list[tuple[str, str]]:
    limit = TEXT_LIMITS.get(key)
    if limit is None:
        return [(item, f"Not a Link text. The texts are {', '.join(TEXT_LIMITS)}.")]
    problems = []
    if len(value) > limit:
        problems.append((item, f"At most {limit} characters (this has {len(value)})."))
    if key in PLAIN_TEXTS and "\n" in value:
        problems.append((item, "A title is one line."))
    unknown = [found for found in _BRACED.findall(value) if found not in PLACEHOLDERS]
    if unknown:
        problems.append(
            (item, f"Unknown placeholder {unknown[0]}; the placeholders are {' and '.join(PLACEHOLDERS)}.")
        )
    return problems


def merged(profile: dict[str, Any] | None, company: dict[str, Any] | None) -> dict[str, Any]:
    """The settings a visit uses: the defaults, the profile's, then the company's overrides."""
    document = {**DEFAULT_DOCUMENT, "theme": dict(DEFAULT_DOCUMENT["theme"]), "text": {}}
    for layer in (profile or {}, company or {}):
        if "sourceTypes" in layer:
            document["sourceTypes"] = layer["sourceTypes"]
        if "showLandingPage" in layer:
            document["showLandingPage"] = layer["showLandingPage"]
        document["theme"] |= {k: v for k, v in layer.get("theme", {}).items() if v is not None}
        for locale, texts in layer.get("text", {}).items():
            document["text"][locale] = {**document["text"].get(locale, {}), **texts}
    return document


@dataclass(frozen=True)
class SourceStep:
    """One source type of the journey, as the settings ask for it."""

    key: str
    source_type: SourceType
    optional: bool
    enable_upload: bool
    allowed_integrations: frozenset[str] | None

    def allows(self, platform_key: str) -> bool:
        return self.allowed_integrations is None or platform_key in self.allowed_integrations


@dataclass(frozen=True)
class LinkSettings:
    """The settings of one company's visit, resolved."""

    steps: tuple[SourceStep, ...]
    show_landing_page: bool
    primary_color: str | None
    logo_url: str | None
    text: dict[str, dict[str, str]]

    @classmethod
    def of(cls, document: dict[str, Any]) -> LinkSettings:
        steps = tuple(
            SourceStep(
                key=name,
                source_type=SOURCE_TYPES[name],
                optional=bool(options.get("optional")),
                enable_upload=bool(options.get("enableUpload")),
                allowed_integrations=(
                    frozenset(options["allowedIntegrations"])
                    if options.get("allowedIntegrations") is not None
                    else None
                ),
            )
            for name, options in document["sourceTypes"].items()
            if name in SOURCE_TYPES
        )
        theme = document["theme"]
        return cls(
            steps,
            bool(document["showLandingPage"]),
            theme["primaryColor"],
            theme["logoUrl"],
            document["text"],
        )

    def texts_for(self, accepted: list[str]) -> tuple[str, dict[str, str]]:
        """The locale and texts of the first locale the browser accepts that has any (`fr-ca`, then `fr`),
        else English's, else none (the pages' own words, in English)."""
        for wanted in [*accepted, "en"]:
            wanted = wanted.lower()
            for locale in (wanted, wanted.split("-")[0]):
                if locale in self.text:
                    return locale, self.text[locale]
            for locale, texts in self.text.items():
                if locale.split("-")[0] == wanted.split("-")[0]:
                    return locale, texts
        return "en", {}


async def _rows(
    session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID | None
) -> dict[uuid.UUID | None, LinkSettingsRow]:
    statement = select(LinkSettingsRow).where(LinkSettingsRow.client_id == client_id)
    statement = statement.where(
        LinkSettingsRow.company_id.is_(None)
        if company_id is None
        else (LinkSettingsRow.company_id.is_(None)) | (LinkSettingsRow.company_id == company_id)
    )
    return {row.company_id: row for row in await session.scalars(statement)}


async def profile_settings(session: AsyncSession, client_id: uuid.UUID) -> dict[str, Any]:
    rows = await _rows(session, client_id, None)
    return merged(rows[None].document if None in rows else None, None)


async def company_settings(
    session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The company's own overrides and the settings its visits use."""
    rows = await _rows(session, client_id, company_id)
    profile = rows[None].document if None in rows else None
    own = rows[company_id].document if company_id in rows else {}
    return own, merged(profile, own)


async def for_visit(session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID) -> LinkSettings:
    return LinkSettings.of((await company_settings(session, client_id, company_id))[1])


async def save(
    session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID | None, body: LinkSettingsBody
) -> None:
    """Replace the profile's settings (or a company's overrides) with the body's."""
    document = check(body)
    rows = await _rows(session, client_id, company_id)
    row = rows.get(company_id)
    if row is None:
        session.add(LinkSettingsRow(client_id=client_id, company_id=company_id, document=document))
    else:
        row.document = document
    await session.flush()


async def clear_company(session: AsyncSession, client_id: uuid.UUID, company_id: uuid.UUID) -> None:
    row = (await _rows(session, client_id, company_id)).get(company_id)
    if row is not None:
        await session.delete(row)
