"""The Accounting Sandbox (`mqjo`)."""

from __future__ import annotations

from typing import Any

from ledgerlink.connectors.base import AuthorizationRejected, Branding, Connector, ConnectorInfo
from ledgerlink.records.registry import DATA_TYPES, SourceType

MAX_SCALE = 100_000


class AccountingSandbox(Connector):
    info = ConnectorInfo(
        key="mqjo",
        name="Sandbox",
        source_type=SourceType.ACCOUNTING,
        branding=Branding(mark="SB", background="#4b5ad6"),
        data_types=tuple(
            d.key for d in DATA_TYPES if d.source_type is SourceType.ACCOUNTING and d.key not in ("itemReceipts",)
        ),
        data_provided_by="ledgerlink",
    )

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object links the Sandbox; an optional `scale` sets the volume of its books."""
        scale = credentials.get("scale", 1)
        if isinstance(scale, str) and scale.isdigit():
            scale = int(scale)
        if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= MAX_SCALE:
            raise AuthorizationRejected(f"scale must be a whole number from 1 to {MAX_SCALE}.")
        return {**credentials, "scale": scale}
