"""What every connector declares about itself, and how it is authorized."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ledgerlink.records.registry import SourceType

# Integration and source ids are derived from the platform key, so they are the same on every install.
_ID_NAMESPACE = uuid.UUID("7d1f6c2e-3c55-4c1b-9a0e-5b3f0f2f8a11")


@dataclass(frozen=True)
class Branding:
    """How an integration is drawn: its colours and a short mark for its logo."""

    mark: str
    background: str
    foreground: str = "#ffffff"


class AuthorizationRejected(Exception):
    """The credentials given to `PUT .../authorization` do not open the platform."""


@dataclass(frozen=True)
class ConnectorInfo:
    key: str
    name: str
    source_type: SourceType
    branding: Branding
    data_types: tuple[str, ...]
    is_beta: bool = False
    is_offline_connector: bool = False
    data_provided_by: str | None = None
    # Whether `PUT .../authorization` can link it (credentials); OAuth platforms link through Link.
    accepts_credentials: bool = True
    writable_data_types: tuple[str, ...] = field(default=())

    @property
    def integration_id(self) -> uuid.UUID:
        return uuid.uuid5(_ID_NAMESPACE, f"integration:{self.key}")

    @property
    def source_id(self) -> uuid.UUID:
        return uuid.uuid5(_ID_NAMESPACE, f"source:{self.key}")


class Connector:
    """A platform ledgerlink can reach. Subclasses set `info` and implement what the platform offers."""

    info: ClassVar[ConnectorInfo]

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Validate the body of `PUT .../authorization`; return what to store (sealed) for later pulls."""
        if not self.info.accepts_credentials:
            raise AuthorizationRejected(
                f"{self.info.name} is authorized by the business through Link, not with credentials."
            )
        return credentials
