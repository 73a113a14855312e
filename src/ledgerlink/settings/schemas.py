"""Request bodies for sync settings and the legacy one-off sync settings."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledgerlink.kit.query import parse_datetime
from ledgerlink.records import registry


class SyncSettingBody(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    data_type: str = Field(alias="dataType")
    fetch_on_first_link: bool = Field(alias="fetchOnFirstLink")
    sync_schedule: int = Field(alias="syncSchedule", ge=0, le=100_000)
    sync_order: int = Field(alias="syncOrder", ge=0, le=100_000)
    sync_from_utc: str | None = Field(default=None, alias="syncFromUtc")
    sync_from_window: int | None = Field(default=None, alias="syncFromWindow", ge=0, le=1200)
    months_to_sync: int | None = Field(default=None, alias="monthsToSync", ge=1, le=1200)
    is_locked: bool | None = Field(default=None, alias="isLocked")

    @field_validator("data_type")
    @classmethod
    def _known(cls, data_type: str) -> str:
        if registry.get(data_type) is None:
            raise ValueError(f"{data_type!r} is not a data type.")
        return data_type

    @field_validator("sync_from_utc")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_datetime(value)
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO-8601 date.") from None
        return value

    def as_setting(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class ProfileSyncSettingsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The key that authenticates the request decides the client; a body's clientId is not consulted.
    client_id: str | None = Field(default=None, alias="clientId")
    settings: list[SyncSettingBody] = Field(max_length=200)
    overrides_defaults: bool = Field(default=True, alias="overridesDefaults")


class CompanySyncSettingsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    company_id: str | None = Field(default=None, alias="companyId")
    settings: list[SyncSettingBody] = Field(max_length=200)
    overrides_defaults: bool = Field(default=True, alias="overridesDefaults")


class OneTimeSync(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


class OneTimeSyncBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # null on an integration removes its override, so it follows the client's value again.
    one_time_sync: OneTimeSync | None = Field(alias="oneTimeSync")
