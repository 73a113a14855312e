"""Every URL the API hands out, built from `LEDGERLINK_PUBLIC_URL`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request


@dataclass(frozen=True)
class PublicUrls:
    base: str

    def company_redirect(self, company_id: uuid.UUID) -> str:
        return f"{self.base}/link/company/{company_id}"

    def connection_link(self, company_id: uuid.UUID, connection_id: uuid.UUID) -> str:
        return f"{self.base}/link/companies/{company_id}/connections/{connection_id}/start"

    def integration_image(self, key: str, variant: str) -> str:
        return f"{self.base}/static/integrations/{key}/{variant}.svg"


def public_urls(request: Request) -> PublicUrls:
    return request.app.state.urls


Urls = Annotated[PublicUrls, Depends(public_urls)]
