"""Request bodies for webhook consumers, and the event types a consumer can subscribe to."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

import httpx
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from ledgerlink.clients.schemas import AbsoluteUrl
from ledgerlink.records import registry

# The event types a consumer can subscribe to: Codat's platform-wide ones that exist here
# (`client.rateLimit.*` and `company.product.*` come with rate limit events and products).
EVENT_TYPES = (
    "company.created",
    "company.deleted",
    "connection.created",
    "connection.connected",
    "connection.failed",
    "connection.disconnected",
    "connection.reconnected",
    "connection.deleted",
    "read.completed",
    "read.completed.initial",
    # ledgerlink's own: Codat documents no event for uploaded files (files/, docs/api-compatibility.md).
    "files.uploaded",
    # Codat's Lending reports (lending/reports): one pair per report type of Codat's `reportType`, whichever
    # ledgerlink generates yet.
    *(
        f"reports.{report_type}.generate.{outcome}"
        for report_type in ("categorizedBankStatement", "creditModel", "spendAnalysis")
        for outcome in ("successful", "unsuccessful")
    ),
    # Lending: an analyst confirmed or unset account categories (Codat's legacy-named event).
    "AccountCategoriesUpdated",
    # Codat's table of write types (the registry's): a consumer may subscribe to any of them, whichever a
    # connector here writes.
    *(
        f"{data_type.key}.write.{outcome}"
        for data_type in registry.WRITABLE
        for outcome in ("successful", "unsuccessful")
    ),
)
MAX_COMPANY_TAGS = 10
MAX_COMPANY_TAG = 128


_ABSOLUTE_URL = TypeAdapter(AbsoluteUrl)


def _http_url(value: str) -> str:
    """An absolute http(s) URL with a host; the host may be an IPv6 literal in brackets (RFC 3986), which
    `AbsoluteUrl`'s characters leave out, so that such a URL is judged by the address it names."""
    parts = urlsplit(value)
    spelled = value
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("[") and "]" in host:
        literal = host[1 : host.index("]")]
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            raise ValueError(f"[{literal[:60]}] is not an IPv6 address") from None
        spelled = value.replace(f"[{literal}]", "ipv6", 1)
    try:
        _ABSOLUTE_URL.validate_python(spelled)
    except ValidationError:
        raise ValueError("must be an absolute URL, such as https://example.com") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "must be an http:// or https:// URL with a host, such as https://example.com/webhooks"
        )
    try:
        httpx.URL(value)  # what deliveries send with: a URL it cannot parse could never be delivered to
    except httpx.InvalidURL as invalid:
        raise ValueError(str(invalid)[:200]) from None
    return value


WebhookUrl = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]


class ConsumerCreate(BaseModel):
    """Codat's `webhookConsumerPrototype`."""

    model_config = ConfigDict(extra="ignore")

    url: WebhookUrl
    disabled: bool | None = None
    event_types: list[str] | None = Field(default=None, alias="eventTypes", max_length=len(EVENT_TYPES) * 4)
    company_tags: list[str] | None = Field(default=None, alias="companyTags")

    @field_validator("event_types")
    @classmethod
    def _known_event_types(cls, event_types: list[str] | None) -> list[str]:
        unknown = [event_type for event_type in event_types or [] if event_type not in EVENT_TYPES]
        if unknown:
            raise ValueError(
                f"Unknown event type {unknown[0][:100]!r}: the event types are "
                f"{', '.join(EVENT_TYPES[:10])} and {{dataType}}.write.successful|unsuccessful for the data "
                "types Codat writes (legacy rule types such as DataSyncCompleted are not sent)."
            )
        return list(dict.fromkeys(event_types or []))

    @field_validator("company_tags")
    @classmethod
    def _tag_filters(cls, tags: list[str] | None) -> list[str]:
        tags = list(dict.fromkeys(tags or []))
        if len(tags) > MAX_COMPANY_TAGS:
            raise ValueError(f"A consumer can filter on at most {MAX_COMPANY_TAGS} company tags.")
        for tag in tags:
            key, separator, _ = tag.partition(":")
            if not separator or not key or len(tag) > MAX_COMPANY_TAG:
                raise ValueError(
                    f"Company tags are `tagKey:tagValue`, at most {MAX_COMPANY_TAG} characters: "
                    f"{tag[:140]!r}."
                )
        return tags
