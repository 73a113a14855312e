"""Codat's `ErrorMessage` envelope: the one shape every failure reaches a client in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledgerlink.db import READ_METHODS
from ledgerlink.kit.responses import JsonResponse

log = structlog.get_logger("ledgerlink.errors")

_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class CodatError(Exception):
    """An error a client should see, with its status code and Codat's message."""

    status_code = 400
    service = "PublicApi"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        service: str | None = None,
        validation_errors: list[dict[str, str]] | None = None,
        can_be_retried: str = "Unknown",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if service is not None:
            self.service = service
        self.validation_errors = validation_errors
        self.can_be_retried = can_be_retried
        self.headers = headers


class BadRequest(CodatError):
    status_code = 400


class Unauthorized(CodatError):
    status_code = 401


class Forbidden(CodatError):
    status_code = 403


class NotFound(CodatError):
    status_code = 404


class Conflict(CodatError):
    status_code = 409


def correlation_id(request: Request) -> str:
    return getattr(request.state, "correlation_id", None) or uuid.uuid4().hex


def error_body(
    status_code: int,
    message: str,
    *,
    correlation: str,
    service: str = "PublicApi",
    validation_errors: list[dict[str, str]] | None = None,
    can_be_retried: str = "Unknown",
) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "service": service,
        "error": message,
        "correlationId": correlation,
        "canBeRetried": can_be_retried,
        "detailedErrorCode": 0,
        "validation": (
            {"errors": validation_errors, "warnings": []} if validation_errors is not None else None
        ),
    }


def error_response(
    request: Request,
    status_code: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> JsonResponse:
    body = error_body(status_code, message, correlation=correlation_id(request), **kwargs)
    return JsonResponse(body, status_code=status_code, headers=headers)


def _validation_item(error: Any) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return {
        "itemId": location,
        "message": error.get("msg", "Invalid value"),
        "validatorName": error.get("type", ""),
    }


def validation_items(errors: Sequence[Any]) -> list[dict[str, str]]:
    """pydantic's errors as Codat's validation items (`itemId` is the field's path, as `a.b.0.c`)."""
    return [_validation_item(error) for error in errors]


async def _codat_error(request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, CodatError)
    return error_response(
        request,
        exc.status_code,
        exc.message,
        service=exc.service,
        validation_errors=exc.validation_errors,
        can_be_retried=exc.can_be_retried,
        headers=exc.headers,
    )


async def _request_validation_error(request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(request, 400, "The request body is not valid JSON.")
    items = validation_items(errors)
    summary = "; ".join(f"{i['itemId'] or 'body'}: {i['message']}" for i in items)
    return error_response(request, 400, f"The request is invalid. {summary}", validation_errors=items)


async def http_exception(request: Request, exc: Exception) -> JsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else _STATUS_TEXT.get(exc.status_code, "Error")
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = f"No resource was found at {request.url.path}"
    return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


async def unexpected_error(request: Request, exc: Exception) -> JsonResponse:
    correlation = correlation_id(request)
    log.exception("unhandled error", correlation_id=correlation, path=request.url.path, method=request.method)
    return JsonResponse(
        error_body(500, "An unexpected error occurred.", correlation=correlation, can_be_retried="True"),
        status_code=500,
    )


async def database_error(request: Request, exc: Exception) -> JsonResponse:
    """A read cancelled by `LEDGERLINK_READ_STATEMENT_TIMEOUT_SECONDS` is 503 (the fast path raises psycopg's
    error, the ORM SQLAlchemy's around it); any other database error is unexpected. Only a GET's statements
    have the timeout (`db.bound_reads`)."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(cause, psycopg.errors.QueryCanceled) or request.method not in READ_METHODS:
        return await unexpected_error(request, exc)
    seconds = request.app.state.settings.read_statement_timeout_seconds
    log.warning("read timed out", path=request.url.path, method=request.method, seconds=seconds)
    return error_response(
        request,
        503,
        f"The request's data could not be read within {seconds:g} seconds. Try a narrower query or a smaller "
        "page, or try again later.",
        can_be_retried="True",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CodatError, _codat_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_exception)
    app.add_exception_handler(psycopg.errors.QueryCanceled, database_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(Exception, unexpected_error)
