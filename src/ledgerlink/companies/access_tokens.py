"""A company's access token (`GET /companies/{companyId}/accessToken`): a credential for one company that a
client may hand to a browser (the embedded Link) instead of its API key.

The token is the company id sealed with the install's Fernet key, so it names its company, cannot be
forged or altered, and carries its own issue time: it is checked without a table, and expires after a day.
"""

from __future__ import annotations

import uuid

from ledgerlink.kit.secrets import SecretBox

EXPIRES_IN_SECONDS = 86_400
_PREFIX = "company:"


def issue(secrets: SecretBox, company_id: uuid.UUID) -> str:
    return secrets.sign(f"{_PREFIX}{company_id}")


def is_for(secrets: SecretBox, token: str, company_id: uuid.UUID) -> bool:
    """Whether the token was issued by this install for this company, less than a day ago."""
    opened = secrets.verify(token, max_age_seconds=EXPIRES_IN_SECONDS) if token else None
    return opened == f"{_PREFIX}{company_id}"
