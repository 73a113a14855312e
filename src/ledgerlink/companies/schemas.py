"""Request bodies for companies, with Codat's rules on names and tags."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TAGS = 10
MAX_TAG_KEY = 27
MAX_TAG_VALUE = 100
# Codat keeps letters, digits, whitespace and - ' & @ . , ? ! and silently drops the rest.
_FORBIDDEN_IN_NAME = re.compile(r"[^A-Za-z0-9\s\-'&@.,?!]")


def sanitize_name(name: str) -> str:
    return " ".join(_FORBIDDEN_IN_NAME.sub("", name).split())


def check_tags(tags: dict[str, str] | None) -> dict[str, str] | None:
    if tags is None:
        return None
    if len(tags) > MAX_TAGS:
        raise ValueError(f"A company can have at most {MAX_TAGS} tags.")
    for key, value in tags.items():
        if not key or len(key) > MAX_TAG_KEY:
            raise ValueError(f"Tag keys must be 1 to {MAX_TAG_KEY} characters long: {key[:40]!r}.")
        if len(value) > MAX_TAG_VALUE:
            raise ValueError(f"Tag values must be at most {MAX_TAG_VALUE} characters long (tag {key!r}).")
    return tags


class _CompanyBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("name", check_fields=False)
    @classmethod
    def _sanitize(cls, name: str | None) -> str | None:
        if name is None:
            return None
        cleaned = sanitize_name(name)
        if not cleaned:
            raise ValueError("The company name must contain at least one letter, digit or allowed symbol.")
        return cleaned

    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, tags: dict[str, str] | None) -> dict[str, str] | None:
        return check_tags(tags)


class CompanyCreate(_CompanyBody):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    tags: dict[str, str] | None = None
    # Legacy: the integration to offer first in Link.
    platform_type: str | None = Field(default=None, alias="platformType")


class CompanyReplace(_CompanyBody):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    tags: dict[str, str] | None = None


class CompanyUpdate(_CompanyBody):
    name: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    tags: dict[str, str] | None = None
