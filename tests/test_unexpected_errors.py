"""An unexpected failure is a 500 in Codat's envelope whose correlation id is in the log, never a trace."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ledgerlink.app import create_app
from ledgerlink.config import Settings
from ledgerlink.logging import configure


@pytest.mark.anyio
async def test_500_carries_a_correlation_id_that_is_logged(postgres: str, tmp_path: Path, capfd) -> None:
    configure("json")
    app = create_app(Settings(data_dir=tmp_path), postgres)

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internal detail")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/explode")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["statusCode"] == 500 and body["error"] == "An unexpected error occurred."
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    failure = next(entry for entry in logged if entry.get("event") == "unhandled error")
    assert failure["correlation_id"] == body["correlationId"]
    assert "secret internal detail" in failure["exception"]
