"""The rules of uploaded files: what an upload must be (checked whole before anything is stored), storing
it with its row and its `files.uploaded` event in one transaction, listing a company's files, and handing
them back (one file as itself, several as a zip)."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, BinaryIO

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.companies.models import Company
from ledgerlink.connections import service as connections
from ledgerlink.connections.models import Connection
from ledgerlink.connectors import registry
from ledgerlink.events.service import emit_for_company
from ledgerlink.files import checks, scanning
from ledgerlink.files.models import UploadedFile
from ledgerlink.files.storage import CHUNK_BYTES, FileStore, object_key
from ledgerlink.files.views import uploaded_payload
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.errors import BadRequest, NotFound
from ledgerlink.kit.query import parse_datetime
from ledgerlink.records.registry import SourceType

# Codat: up to 20 files at a time.
MAX_FILES_PER_UPLOAD = 20
# Where a download is assembled: in memory up to this size, then in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
UPLOADED = "files.uploaded"
ZIP_MEDIA_TYPE = "application/zip"


@dataclass(frozen=True)
class FileRules:
    """What an installation does with uploads: where they go, the size limit, the virus scanner."""

    store: FileStore
    max_bytes: int
    scanner: scanning.VirusScanner | None = None


@dataclass(frozen=True)
class Upload:
    """One file of a request, as received (spooled by the multipart parser)."""

    name: str
    content: BinaryIO
    size: int


@dataclass(frozen=True)
class _Checked:
    upload: Upload
    kind: checks.FileType
    file_name: str
    display_name: str
    sha256: str


@dataclass(frozen=True)
class Download:
    file_name: str
    media_type: str
    content: IO[bytes]


async def upload_to_connection(
    session: AsyncSession,
    principal: Principal,
    rules: FileRules,
    company_id: str,
    connection_id: str,
    uploads: Sequence[Upload],
) -> list[UploadedFile]:
    """`POST .../connections/{connectionId}/files`: the files take the source type of the connection's
    platform (a file-upload connection's, in Codat)."""
    company, connection = await connections.get(
        session, principal, company_id, connection_id, for_update=True
    )
    return await store(session, rules, company, uploads, source_type_of(connection), connection=connection)


def source_type_of(connection: Connection) -> str:
    connector = registry.get(connection.integration_key)
    return connector.info.source_type.value if connector is not None else SourceType.OTHER.value


async def store(
    session: AsyncSession,
    rules: FileRules,
    company: Company,
    uploads: Sequence[Upload],
    source_type: str,
    *,
    connection: Connection | None = None,
    link_visit: str | None = None,
) -> list[UploadedFile]:
    """Check every file, then store them all with their rows and one `files.uploaded` event, in the caller's
    transaction; one refused file refuses the request and nothing is kept (an object already written to
    an object store is discarded)."""
    if not uploads:
        raise BadRequest("The request has no file: send each as a part of a multipart/form-data body.")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise BadRequest(f"Up to {MAX_FILES_PER_UPLOAD} files can be uploaded at a time.")
    checked = [await _check(rules, upload) for upload in uploads]
    written: list[str] = []
    rows: list[UploadedFile] = []
    try:
        for item in checked:
            file_id = uuid.uuid4()
            reference = await rules.store.put(session, object_key(company.id, file_id), item.upload.content)
            written.append(reference)
            rows.append(
                UploadedFile(
                    id=file_id,
                    company_id=company.id,
                    connection_id=connection.id if connection else None,
                    source_type=source_type,
                    file_name=item.file_name,
                    display_name=item.display_name,
                    content_type=item.kind.media_type,
                    size=item.upload.size,
                    sha256=item.sha256,
                    store=rules.store.name,
                    reference=reference,
                    link_visit=link_visit,
                )
            )
        session.add_all(rows)
        await session.flush()
    except BaseException:
        await rules.store.discard(written)
        raise
    for row in rows:
        await session.refresh(row, ["uploaded_at"])
    emit_for_company(session, company, UPLOADED, uploaded_payload(rows))
    return rows


async def _check(rules: FileRules, upload: Upload) -> _Checked:
    shown = checks.display_name(upload.name) or "file"
    checks.check_size(shown, upload.size, rules.max_bytes)
    kind = checks.file_type(shown, upload.content)
    await scanning.scan(rules.scanner, shown, upload.content)
    return _Checked(upload, kind, checks.safe_name(shown, kind), shown, _sha256(upload.content))


def _sha256(content: BinaryIO) -> str:
    content.seek(0)
    digest = hashlib.sha256()
    while chunk := content.read(CHUNK_BYTES):
        digest.update(chunk)
    content.seek(0)
    return digest.hexdigest()


async def list_files(session: AsyncSession, principal: Principal, company_id: str) -> list[UploadedFile]:
    company = await companies.get(session, principal, company_id)
    return await files_of(session, company.id)


async def files_of(
    session: AsyncSession, company_id: uuid.UUID, *, on: date | None = None, link_visit: str | None = None
) -> list[UploadedFile]:
    """The company's files, oldest first: those uploaded on a UTC day, or in a Link visit, when asked."""
    statement = select(UploadedFile).where(UploadedFile.company_id == company_id)
    if on is not None:
        statement = statement.where(cast(func.timezone("UTC", UploadedFile.uploaded_at), Date) == on)
    if link_visit is not None:
        statement = statement.where(UploadedFile.link_visit == link_visit)
    rows = await session.scalars(statement.order_by(UploadedFile.seq))
    return list(rows)


async def download(
    session: AsyncSession, principal: Principal, rules: FileRules, company_id: str, on: str | None
) -> Download:
    """`GET .../files/download[?date=]`: the one file as it was uploaded, or every file in a zip."""
    company = await companies.get(session, principal, company_id)
    day = _day(on)
    files = await files_of(session, company.id, on=day)
    if not files:
        when = f" on {day.isoformat()}" if day else ""
        raise NotFound(f"No files were uploaded for company {company.id}{when}.")
    if len(files) == 1:
        return await one_file(session, rules, files[0])
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  # the response closes it
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, file in zip(_unique_names(files), files, strict=True):
            with archive.open(name, "w", force_zip64=file.size > 2**31) as entry:
                async for chunk in rules.store.read(session, file.reference):
                    entry.write(chunk)
    spool.seek(0)
    return Download(f"files-{company.id}{'-' + day.isoformat() if day else ''}.zip", ZIP_MEDIA_TYPE, spool)


async def one_file(session: AsyncSession, rules: FileRules, file: UploadedFile) -> Download:
    return await stored_file(session, rules.store, file.reference, file.file_name, file.content_type)


async def stored_file(
    session: AsyncSession, store: FileStore, reference: str, file_name: str, media_type: str
) -> Download:
    """Stored bytes as a download (also what other domains keep in the files' store, such as workbooks)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  # the response closes it
    async for chunk in store.read(session, reference):
        spool.write(chunk)
    spool.seek(0)
    return Download(file_name, media_type, spool)


async def company_file(
    session: AsyncSession, principal: Principal, rules: FileRules, company_id: str, file_id: str
) -> Download:
    """One of the company's files by id (the Portal's download link)."""
    company = await companies.get(session, principal, company_id)
    not_found = NotFound(f"File {file_id} not found")
    try:
        wanted = uuid.UUID(file_id)
    except ValueError:
        raise not_found from None
    file = await session.scalar(
        select(UploadedFile).where(UploadedFile.id == wanted, UploadedFile.company_id == company.id)
    )
    if file is None:
        raise not_found
    return await one_file(session, rules, file)


def _day(on: str | None) -> date | None:
    if on is None or not on.strip():
        return None
    try:
        return parse_datetime(on).date()
    except ValueError:
        raise BadRequest(
            f"The date '{on[:50]}' is not a date: use YYYY-MM-DD or an ISO-8601 date and time."
        ) from None


def _unique_names(files: Sequence[UploadedFile]) -> list[str]:
    """The files' names in a zip, a second `a.pdf` becoming `a (2).pdf`."""
    seen: dict[str, int] = {}
    names = []
    for file in files:
        count = seen.get(file.file_name.lower(), 0) + 1
        seen[file.file_name.lower()] = count
        stem, dot, extension = file.file_name.rpartition(".")
        names.append(file.file_name if count == 1 else f"{stem} ({count}){dot}{extension}")
    return names
