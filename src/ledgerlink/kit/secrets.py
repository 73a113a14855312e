"""Secrets at rest: Fernet encryption for tokens and authorization bodies, hashing for API keys."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
from pathlib import Path
from typing import Annotated, Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from fastapi import Depends, Request


class SecretKeyUnusable(ValueError):
    """The Fernet key cannot be had: the message names the setting or file and what is wrong, in a line."""


def load_or_create_key(configured: str | None, data_dir: Path) -> bytes:
    """The Fernet key: `LEDGERLINK_SECRET_KEY`, else one generated once into the data directory.

    Checked here, so a wrong key stops the process at start, not at the first secret it seals or opens."""
    if configured:
        return _checked(configured.encode(), "LEDGERLINK_SECRET_KEY")
    path = data_dir / "secret.key"
    if path.exists():
        try:
            return _checked(path.read_bytes().strip(), str(path))
        except OSError as error:
            raise SecretKeyUnusable(f"cannot read the secret key {path}: {error.strerror}") from None
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Created with owner-only permissions before the key is written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _checked(key: bytes, where: str) -> bytes:
    try:
        Fernet(key)
    except ValueError:
        raise SecretKeyUnusable(
            f"{where} is not a Fernet key (32 url-safe base64-encoded bytes, as Fernet.generate_key() makes)"
        ) from None
    return key


class UnreadableSecret(Exception):
    """Sealed with another key: every process of an install must share one LEDGERLINK_SECRET_KEY."""


class SecretBox:
    """Encrypts JSON values and short strings; what it returns is safe to store."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    def derive_key(self, purpose: str) -> bytes:
        """A key for one purpose (an HMAC's), derived from the Fernet key so one secret is all to keep."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()

    def seal(self, value: Any) -> bytes:
        return self._fernet.encrypt(orjson.dumps(value))

    def open(self, token: bytes) -> Any:
        try:
            return orjson.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise UnreadableSecret(
                "A stored secret cannot be decrypted with this LEDGERLINK_SECRET_KEY (was the key changed?)."
            ) from None

    def sign(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def verify(self, token: str, *, max_age_seconds: int) -> str | None:
        try:
            return self._fernet.decrypt(token.encode(), ttl=max_age_seconds).decode()
        except (InvalidToken, ValueError):
            return None


def secret_box(request: Request) -> SecretBox:
    """The process's SecretBox (made once at start from `LEDGERLINK_SECRET_KEY`), as a typed dependency."""
    box: SecretBox = request.app.state.secrets
    return box


Secrets = Annotated[SecretBox, Depends(secret_box)]


def new_api_key() -> str:
    return _random.token_urlsafe(30)


def hash_api_key(key: str) -> str:
    # API keys are 240 random bits, so a plain SHA-256 resists guessing; no salt or stretching needed.
    return hashlib.sha256(key.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def mask(key: str) -> str:
    return "*" * max(len(key) - 4, 4) + key[-4:]
