"""Codat's `File` shape, the webhook payload of an upload, and a file sent as a download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from ledgerlink.files.models import UploadedFile
from ledgerlink.kit.clock import iso

if TYPE_CHECKING:
    from ledgerlink.files.service import Download


def file_view(file: UploadedFile) -> dict[str, Any]:
    return {
        "fileName": file.file_name,
        "displayName": file.display_name,
        "sourceType": file.source_type,
        "uploaded": iso(file.uploaded_at, timespec="seconds"),
    }


def uploaded_payload(files: list[UploadedFile]) -> dict[str, Any]:
    first = files[0]
    return {
        "companyId": str(first.company_id),
        "connectionId": str(first.connection_id) if first.connection_id else None,
        "sourceType": first.source_type,
        "files": [file_view(file) for file in files],
    }


def attachment(download: Download, *, octet_stream: bool = False) -> StreamingResponse:
    """The file as a download under its name; Codat's API answers `application/octet-stream` whatever it
    holds (its SDK accepts nothing else), a page with the file's own type."""

    def chunks() -> Iterator[bytes]:
        with download.content:
            while chunk := download.content.read(1024 * 1024):
                yield chunk

    fallback = download.file_name.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(download.file_name)}"
    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream" if octet_stream else download.media_type,
        headers={"Content-Disposition": disposition},
    )
