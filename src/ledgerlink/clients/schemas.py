"""Request bodies for the profile, API keys and CORS settings."""

from __future__ import annotations

from pydantic import AnyUrl, BaseModel, ConfigDict, Field


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    logo_url: str | None = Field(default=None, alias="logoUrl", max_length=2000)
    icon_url: str | None = Field(default=None, alias="iconUrl", max_length=2000)
    redirect_url: str = Field(alias="redirectUrl", max_length=2000)
    white_list_urls: list[str] | None = Field(default=None, alias="whiteListUrls", max_length=100)
    confirm_company_name: bool | None = Field(default=None, alias="confirmCompanyName")


class ApiKeyBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=50)


class AllowedOriginsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    allowed_origins: list[AnyUrl] = Field(default_factory=list, alias="allowedOrigins", max_length=100)
