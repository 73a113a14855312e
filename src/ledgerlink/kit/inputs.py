"""Text no request may carry: NUL characters and unpaired UTF-16 surrogates, refused once, at the door.

PostgreSQL cannot store either (a NUL in a text or JSONB value is a `DataError`; a lone surrogate cannot
even be encoded as UTF-8 to send it), so a request holding one in any string it hands on would fail deep
inside a statement. `RequestContextMiddleware` asks `refusal` about every request, before any endpoint
runs, and answers 400 when it finds one; no endpoint, schema or query needs a check of its own.

Where such text can come from, and how each is looked at:
- the path: uvicorn decodes `%00` into a NUL; it decodes percent-encoded surrogates as U+FFFD.
- the query string: `%00`, and `%2500`, which `kit.query.decode` turns into `%00` and then a NUL.
- headers: raw NULs never get past uvicorn's parser (400, connection closed), nor do surrogates
  (headers are read as Latin-1); checked anyway, as they are cheap to check.
- the body: a raw NUL byte; UTF-8-encoded surrogates (`\\xed\\xa0\\x80`, which Python's JSON parser lets
  through); in JSON, the escapes `\\u0000` and an unpaired `\\ud800`; in a form, `%00`.

It is cheap on the hot path: a GET's empty body costs nothing, a path or query string one substring
search; a JSON body is decoded a second time only when a byte-level search finds an escape that may be a
NUL or a surrogate (a pair of escaped surrogates, as `json.dumps` writes an emoji, is decoded and let be).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import Scope

_UTF8_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")
_JSON_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def refusal(scope: Scope, body: bytes) -> str | None:
    """Codat's message for a request that carries a NUL or a lone surrogate, or None when it carries none."""
    where = _where(scope, body)
    if where is None:
        return None
    return (
        f"The request is invalid. Its {where} contains a NUL character or an unpaired surrogate, "
        "which no text may contain."
    )


def _where(scope: Scope, body: bytes) -> str | None:
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"")
    if query and (b"%00" in query or b"%2500" in query or b"\x00" in query):
        return "query string"
    for _, value in scope.get("headers", ()):
        if b"\x00" in value:
            return "headers"
    if body and _bad_body(scope, body):
        return "body"
    return None


def _bad_body(scope: Scope, body: bytes) -> bool:
    if is_multipart(scope):
        return False  # files are bytes, NULs and all; the text fields' endpoints check what they read
    # One-byte searches first (memchr: a megabyte in a fraction of a millisecond, where a longer needle takes
    # several); a regular expression only where they find something.
    if b"\x00" in body or (b"\xed" in body and _UTF8_SURROGATE.search(body)):
        return True
    if _is_form(scope):
        return b"%00" in body
    if b"\\" in body and _JSON_ESCAPE.search(body):
        try:
            decoded = json.loads(body)
        except ValueError:
            return False  # not JSON: the endpoint that reads it says so
        return _holds_bad_text(decoded)
    return False


def is_multipart(scope: Scope) -> bool:
    """A `multipart/form-data` request: a file upload, whose body is bytes rather than text."""
    return any(
        name == b"content-type" and b"multipart/form-data" in value.lower()
        for name, value in scope.get("headers", ())
    )


def _is_form(scope: Scope) -> bool:
    return any(
        name == b"content-type" and b"x-www-form-urlencoded" in value.lower()
        for name, value in scope.get("headers", ())
    )


def _holds_bad_text(value: Any) -> bool:
    """Whether any string in a decoded JSON document (keys too) holds a NUL or a surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _BAD_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
