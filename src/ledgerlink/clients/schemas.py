"""Request bodies for the profile, API keys and CORS settings."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, AnyUrl, BaseModel, ConfigDict, Field

from ledgerlink.kit import browser_urls

# An absolute URL with a host, spelled with RFC 3986 characters only, so that what is stored and echoed
# back is always a valid `format: uri` (Codat's `Profile.whiteListUrls` items). The string is kept as
# sent, not normalised.
_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})"
_ABSOLUTE_URL = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*://{_CHAR}+(?::[0-9]*)?"
    rf"(?:/(?:{_CHAR}|[:@])*)*(?:\?(?:{_CHAR}|[:@/?])*)?(?:\#(?:{_CHAR}|[:@/?])*)?"
)


def _absolute_url(value: str) -> str:
    if not _ABSOLUTE_URL.fullmatch(value):
        raise ValueError("must be an absolute URL, such as https://example.com")
    return value


AbsoluteUrl = Annotated[str, Field(max_length=2000), AfterValidator(_absolute_url)]
# What a page loads (the logo, the icon): https, or http on a loopback host.
BrowserUrl = Annotated[str, AfterValidator(browser_urls.check)]


def _redirect_template(value: str) -> str:
    # Empty: no redirect (Link ends on its own page).
    return browser_urls.check_template(value) if value else value


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    logo_url: BrowserUrl | None = Field(default=None, alias="logoUrl")
    icon_url: BrowserUrl | None = Field(default=None, alias="iconUrl")
    # Where Link sends the business at the end, with Codat's placeholders (`{companyId}`, `{statusCode}`...).
    redirect_url: Annotated[str, AfterValidator(_redirect_template)] = Field(alias="redirectUrl")
    white_list_urls: list[AbsoluteUrl] | None = Field(default=None, alias="whiteListUrls", max_length=100)
    confirm_company_name: bool | None = Field(default=None, alias="confirmCompanyName")


class ApiKeyBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=50)


class AllowedOriginsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    allowed_origins: list[AnyUrl] = Field(default_factory=list, alias="allowedOrigins", max_length=100)
