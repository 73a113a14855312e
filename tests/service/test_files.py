"""Uploaded files' rules without a server: the virus-scan hook (loaded by name, a finding refusing the whole
upload with nothing stored), and what the checks make of names and contents."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerlink.companies import service as companies
from ledgerlink.companies.schemas import CompanyCreate
from ledgerlink.files import checks
from ledgerlink.files import service as files
from ledgerlink.files.models import UploadedFile
from ledgerlink.files.scanning import FileInfected, load_scanner
from ledgerlink.files.storage import LargeObjectStore
from ledgerlink.kit.auth import Principal
from ledgerlink.kit.urls import PublicUrls
from tests.support.files import CSV, EICAR, PDF, xlsx

pytestmark = pytest.mark.anyio


def upload(name: str, content: bytes) -> files.Upload:
    return files.Upload(name, io.BytesIO(content), len(content))


async def test_a_scanner_finding_refuses_the_upload_and_stores_nothing(
    session: AsyncSession, principal: Principal
) -> None:
    company = await companies.create(
        session, principal, CompanyCreate(name="Scanned Ltd"), PublicUrls("http://x")
    )
    rules = files.FileRules(LargeObjectStore(), 1024 * 1024, load_scanner("tests.support.files:EicarScanner"))
    objects = await session.scalar(text("SELECT count(*) FROM pg_largeobject_metadata"))

    with pytest.raises(FileInfected, match="Eicar-Test-Signature") as refused:
        await files.store(
            session, rules, company, [upload("ok.csv", CSV), upload("bad.pdf", PDF + EICAR)], "Other"
        )
    assert refused.value.status_code == 400 and "bad.pdf" in refused.value.message
    assert await session.scalar(select(func.count()).select_from(UploadedFile)) == 0
    assert await session.scalar(text("SELECT count(*) FROM pg_largeobject_metadata")) == objects

    [stored] = await files.store(session, rules, company, [upload("ok.csv", CSV)], "Other")
    assert stored.content_type == "text/csv" and stored.size == len(CSV)
    assert await session.scalar(text("SELECT count(*) FROM pg_largeobject_metadata")) == objects + 1


def test_a_scanner_setting_must_name_something_with_scan() -> None:
    assert load_scanner(None) is None
    with pytest.raises(ValueError, match=r"package\.module:name"):
        load_scanner("tests.support.files")
    with pytest.raises(ValueError, match="no scan"):
        load_scanner("tests.support.files:CSV")
    with pytest.raises(ValueError, match=r"cannot load tests\.support\.files:Nothing"):
        load_scanner("tests.support.files:Nothing")


@pytest.mark.parametrize(
    ("given", "kind", "stored", "shown"),
    [
        ("C:\\Users\\me\\Q3 <draft>.PDF", checks.PDF, "Q3 draft.pdf", "Q3 draft.PDF"),
        ("../../.hidden.csv", checks.CSV, "hidden.csv", ".hidden.csv"),
        ("....pdf", checks.PDF, "file.pdf", "....pdf"),
        ("a" * 300 + ".xlsx", checks.XLSX, "a" * 250 + ".xlsx", ("a" * 300 + ".xlsx")[:255]),
        ("photo.jpeg", checks.JPEG, "photo.jpeg", "photo.jpeg"),
    ],
)
def test_names_are_made_safe(given: str, kind: checks.FileType, stored: str, shown: str) -> None:
    assert checks.safe_name(checks.display_name(given), kind) == stored
    assert checks.display_name(given) == shown


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.csv", "\ufeffdate;amount\r\n2026-01-01;1,50\r\n".encode(), checks.CSV),
        ("a.csv", "Zürich,€5\n".encode("cp1252"), checks.CSV),
        ("a.csv", ("é" * 40_000).encode(), checks.CSV),  # a character cut at the end of the sample
        ("a.xlsx", xlsx(), checks.XLSX),
    ],
)
def test_types_are_told_by_content(name: str, content: bytes, kind: checks.FileType) -> None:
    assert checks.file_type(name, io.BytesIO(content)) is kind


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.csv", b"\x00\x00"), ("a.csv", b"  \n"), ("a.xlsx", b"PK\x03\x04junk"), ("a.png", PDF), ("a", PDF)],
)
def test_contents_that_are_not_what_they_are_named_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(checks.UnsupportedFileType):
        checks.file_type(name, io.BytesIO(content))
