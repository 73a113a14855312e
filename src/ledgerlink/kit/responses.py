"""Response helpers: JSON always carries `application/json`, empty bodies say so too."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class JsonResponse(Response):
    """JSON rendered by orjson (UTC datetimes, UUIDs and dataclasses included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json(content: Any, status_code: int = 200) -> JsonResponse:
    return JsonResponse(content, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)


def empty_ok() -> Response:
    """Codat's `DELETE .../connections/{id}`: 200 with an empty body."""
    return Response(status_code=200)
