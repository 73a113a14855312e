"""Response helpers: JSON always carries `application/json`, empty bodies say so too."""

from __future__ import annotations

from typing import Any

from fastapi.responses import ORJSONResponse, Response


def json(content: Any, status_code: int = 200) -> ORJSONResponse:
    return ORJSONResponse(content, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)


def empty_ok() -> Response:
    """Codat's `DELETE .../connections/{id}`: 200 with an empty body."""
    return Response(status_code=200)
