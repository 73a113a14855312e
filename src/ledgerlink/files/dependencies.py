"""What the Files API and the pages that take uploads need from the process: the configured `FileRules`
(made once, when the process starts) and the files of a multipart request."""

from __future__ import annotations

import ast
import io
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import UploadFile

from ledgerlink.config import Settings
from ledgerlink.files.scanning import load_scanner
from ledgerlink.files.service import MAX_FILES_PER_UPLOAD, FileRules, Upload
from ledgerlink.files.storage import configured_store
from ledgerlink.kit.errors import CodatError


class UnsupportedMediaType(CodatError):
    status_code = 415


def rules_from(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> FileRules:
    """The process's rules, made when it starts (so a scanner that cannot be loaded stops the start)."""
    return FileRules(
        configured_store(settings, sessionmaker),
        settings.files_max_bytes,
        load_scanner(settings.files_scanner),
    )


def file_rules(request: Request) -> FileRules:
    rules: FileRules = request.app.state.file_rules
    return rules


Rules = Annotated[FileRules, Depends(file_rules)]


async def uploads_of(request: Request, rules: FileRules) -> tuple[list[Upload], dict[str, str]]:
    """Every file part of a `multipart/form-data` body, whatever its field's name (Codat's spec names it
    `file`, its SDK `requestBody`), and the body's other fields."""
    if "multipart/form-data" not in request.headers.get("content-type", "").lower():
        raise UnsupportedMediaType("Upload files as multipart/form-data.")
    # A text field may be as long as a file: the official SDK sends the file as one (below).
    form = await request.form(
        max_files=MAX_FILES_PER_UPLOAD, max_fields=20, max_part_size=rules.max_bytes + 64 * 1024
    )
    uploads, fields = [], {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            uploads.append(Upload(value.filename or "", value.file, value.size or 0))
        else:
            fields[name] = value
    if not uploads and (sent := _official_sdk_upload(fields)) is not None:
        uploads.append(sent)
    return uploads, fields


def _official_sdk_upload(fields: dict[str, str]) -> Upload | None:
    """The file as Codat's Python SDK (`codat-files` 0.34) sends it: its generator writes the file as two
    text fields, `requestBody` (the name) and `content` (Python's `repr` of the bytes, which gives them
    back exactly). Only a bytes literal is taken; anything else is not a file."""
    name, literal = fields.get("requestBody"), fields.get("content", "")
    if name is None or not literal.startswith(("b'", 'b"')):
        return None
    try:
        content = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(content, bytes):
        return None
    return Upload(name, io.BytesIO(content), len(content))
