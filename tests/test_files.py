"""Codat's Files API end to end, through the real server and the official `codat-files` SDK, against both
stores (PostgreSQL large objects, the default, and an S3-compatible store: moto in server mode): upload,
list, download (one file as itself, several as a zip, by day), the checks (size, type by content, names),
refusals that store nothing, the `files.uploaded` webhook, and a company's delete removing its files."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, text

from ledgerlink.db import sqlalchemy_url
from tests.support.files import CSV, JPEG, PDF, PNG, S3Endpoint, files_sdk, s3_endpoint, xlsx
from tests.support.server import RunningServer, own_server
from tests.support.waits import wait_until
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import add_consumer

TEN_MB = 10 * 1024 * 1024


@dataclass
class Store:
    """A server and where it keeps files: `s3` is None for PostgreSQL's large objects."""

    server: RunningServer
    s3: S3Endpoint | None

    def count(self, sql: str, **params: object) -> int:
        """The number one statement answers, in a transaction of its own (committed)."""
        engine = create_engine(sqlalchemy_url(self.server.database_url))
        try:
            with engine.begin() as connection:
                return int(connection.execute(text(sql), params).scalar_one())
        finally:
            engine.dispose()

    def stored_objects(self) -> int:
        """Objects in the store: the bucket's keys, or the database's large objects."""
        if self.s3 is not None:
            return len(self.s3.object_keys())
        return self.count("SELECT count(*) FROM pg_largeobject_metadata")


@pytest.fixture(scope="module", params=["postgres", "s3"])
def store(request, server, postgres, tmp_path_factory) -> Iterator[Store]:
    if request.param == "postgres":
        yield Store(server, None)
        return
    with (
        s3_endpoint() as s3,
        own_server(
            postgres, tmp_path_factory.mktemp("files-s3"), "files_s3", api_key=uuid.uuid4().hex, env=s3.env
        ) as running,
    ):
        yield Store(running, s3)


@pytest.fixture
def files_api(store: Store) -> Iterator[httpx.Client]:
    with store.server.client() as client:
        yield client


def company_with_connection(api: httpx.Client, name: str, platform: str = "mqjo") -> tuple[str, str]:
    company = api.post("/companies", json={"name": name}).json()["id"]
    connection = api.post(f"/companies/{company}/connections", json={"platformKey": platform}).json()["id"]
    return company, connection


def upload(api: httpx.Client, company: str, connection: str, *files: tuple[str, bytes]) -> httpx.Response:
    return api.post(
        f"/companies/{company}/connections/{connection}/files",
        files=[("file", (name, content)) for name, content in files],
    )


def chunked_upload(name: str, size: int) -> Iterator[bytes]:
    """A multipart body of one PDF of `size` bytes, in 1 MiB pieces (httpx sends a generator chunked)."""
    yield (
        f'--chunked-upload\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-"
    ).encode()
    for _ in range(size // (1024 * 1024) + 1):
        yield b"0" * 1024 * 1024
    yield b"\r\n--chunked-upload--\r\n"


def test_upload_list_and_download_through_the_official_sdk(store: Store, files_api) -> None:
    from codatfiles.models import operations

    sdk = files_sdk(store.server)
    company, connection = company_with_connection(files_api, "Files Sdk Ltd")
    # The SDK sends a file as the text of its bytes' repr (docs/api-compatibility.md): 2 MB of them too.
    statement = PDF + bytes(range(256)) * 8192
    for name, content in (("statement.pdf", statement), ("ledger.csv", CSV)):
        uploaded = sdk.files.upload_files(
            operations.UploadFilesRequest(
                company_id=company,
                connection_id=connection,
                request_body=operations.UploadFilesRequestBody(content=content, request_body=name),
            )
        )
        assert uploaded.status_code == 200, uploaded.raw_response.text

    listed = sdk.files.list_files(operations.ListFilesRequest(company_id=company))
    assert listed.status_code == 200
    assert [(f.file_name, f.display_name, f.source_type) for f in listed.files] == [
        ("statement.pdf", "statement.pdf", "Accounting"),
        ("ledger.csv", "ledger.csv", "Accounting"),
    ]
    uploaded_at = datetime.fromisoformat(listed.files[0].uploaded.replace("Z", "+00:00"))
    assert abs(uploaded_at - datetime.now(UTC)) < timedelta(minutes=5)

    # Several files: one zip, every file as it was uploaded.
    downloaded = sdk.files.download_files(operations.DownloadFilesRequest(company_id=company))
    assert downloaded.status_code == 200 and downloaded.content_type == "application/octet-stream"
    with zipfile.ZipFile(io.BytesIO(downloaded.data)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == {
            "statement.pdf": statement,
            "ledger.csv": CSV,
        }
    today = uploaded_at.date().isoformat()
    on_the_day = sdk.files.download_files(operations.DownloadFilesRequest(company_id=company, date_=today))
    assert on_the_day.data == downloaded.data
    before = (uploaded_at - timedelta(days=1)).date().isoformat()
    none_then = files_api.get(f"/companies/{company}/files/download", params={"date": before})
    assert none_then.status_code == 404 and before in none_then.json()["error"]


def test_one_file_downloads_as_itself_under_its_safe_name(store: Store, files_api) -> None:
    company, connection = company_with_connection(files_api, "Files One Ltd", platform="qhnd")
    answer = upload(files_api, company, connection, ("..\\..\\etc\\.Bank \u201cMay\u201d:2026?.PNG", PNG))
    assert answer.status_code == 200, answer.text
    [listed] = files_api.get(f"/companies/{company}/files").json()
    assert listed["fileName"] == "Bank \u201cMay\u201d2026.png"
    assert listed["displayName"] == ".Bank \u201cMay\u201d2026.PNG"
    assert listed["sourceType"] == "Banking"
    downloaded = files_api.get(f"/companies/{company}/files/download")
    assert downloaded.status_code == 200 and downloaded.content == PNG
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert (
        "filename*=UTF-8''Bank%20%E2%80%9CMay%E2%80%9D2026.png" in downloaded.headers["content-disposition"]
    )


def test_every_accepted_type_by_its_content(store: Store, files_api) -> None:
    company, connection = company_with_connection(files_api, "Files Types Ltd")
    samples = [("a.pdf", PDF), ("b.csv", CSV), ("c.xlsx", xlsx()), ("d.png", PNG), ("e.jpg", JPEG)]
    answer = upload(files_api, company, connection, *samples)
    assert answer.status_code == 200, answer.text
    assert [f["fileName"] for f in files_api.get(f"/companies/{company}/files").json()] == [
        n for n, _ in samples
    ]


def test_a_chunked_upload_within_the_limit_streams_through(store: Store, files_api) -> None:
    company, connection = company_with_connection(files_api, "Files Chunked Ltd")
    answer = files_api.post(
        f"/companies/{company}/connections/{connection}/files",
        content=chunked_upload("streamed.pdf", 3 * 1024 * 1024),
        headers={"content-type": "multipart/form-data; boundary=chunked-upload"},
    )
    assert answer.status_code == 200, answer.text
    downloaded = files_api.get(f"/companies/{company}/files/download").content
    assert downloaded.startswith(b"%PDF-0000") and len(downloaded) == 5 + 4 * 1024 * 1024


def test_refusals_store_nothing(store: Store, files_api) -> None:
    company, connection = company_with_connection(files_api, "Files Refused Ltd")
    other, _ = company_with_connection(files_api, "Files Other Ltd")
    rows, objects = store.count("SELECT count(*) FROM files"), store.stored_objects()

    def refused(answer: httpx.Response, status: int, words: str) -> None:
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["statusCode"] == status and words in body["error"], body
        assert "correlationId" in body

    # Too large: the file (a clear 413 naming it), or a body past the upload limit.
    refused(
        upload(files_api, company, connection, ("big.pdf", PDF + b"0" * (TEN_MB - len(PDF) + 1))),
        413,
        "big.pdf",
    )
    refused(
        upload(files_api, company, connection, ("huge.pdf", b"%PDF-" + b"0" * (TEN_MB + 100_000))),
        413,
        "larger",
    )
    # The same sent chunked, with no length to refuse it by: counted as it streams to the endpoint.
    refused(
        files_api.post(
            f"/companies/{company}/connections/{connection}/files",
            content=chunked_upload("streamed.pdf", TEN_MB + 100_000),
            headers={"content-type": "multipart/form-data; boundary=chunked-upload"},
        ),
        413,
        "larger",
    )
    # Wrong type, by name or by content; one bad file refuses the whole request.
    refused(upload(files_api, company, connection, ("tool.exe", b"MZ\x90\x00")), 415, "accepted type")
    refused(upload(files_api, company, connection, ("photo.pdf", PNG)), 415, "named as PDF")
    refused(upload(files_api, company, connection, ("data.csv", b"\x00\x01\x02binary")), 415, "named as CSV")
    refused(upload(files_api, company, connection, ("book.xlsx", b"PK\x03\x04 not a zip")), 415, "XLSX")
    refused(upload(files_api, company, connection, ("ok.pdf", PDF), ("bad.png", JPEG)), 415, "bad.png")
    refused(upload(files_api, company, connection, ("empty.csv", b"")), 400, "empty")
    # Not a multipart upload, or one without a file.
    url = f"/companies/{company}/connections/{connection}/files"
    refused(files_api.post(url, json={"file": "x"}), 415, "multipart/form-data")
    refused(files_api.post(url, files={"note": (None, "no file")}), 400, "no file")

    twenty_one = [("file", (f"{n}.pdf", PDF)) for n in range(21)]
    refused(files_api.post(url, files=twenty_one), 400, "Maximum number of files is 20")
    # Unknown company, a connection of another company, malformed ids, no key.
    refused(upload(files_api, str(uuid.uuid4()), connection, ("a.pdf", PDF)), 404, "No company")
    refused(upload(files_api, other, connection, ("a.pdf", PDF)), 404, "Data connection")
    refused(upload(files_api, company, "nope", ("a.pdf", PDF)), 404, "Data connection")
    refused(files_api.get(f"/companies/{uuid.uuid4()}/files"), 404, "No company")
    refused(files_api.get(f"/companies/{company}/files/download", params={"date": "soon"}), 400, "soon")
    refused(files_api.get(f"/companies/{company}/files/download"), 404, "No files")
    anonymous = httpx.post(f"{store.server.base_url}{url}", files={"file": ("a.pdf", PDF)})
    refused(anonymous, 401, "")
    refused(httpx.get(f"{store.server.base_url}/companies/{company}/files"), 401, "")

    assert files_api.get(f"/companies/{company}/files").json() == []
    assert store.count("SELECT count(*) FROM files") == rows
    assert store.stored_objects() == objects


def test_the_upload_webhook_and_a_deleted_company_takes_its_files(store: Store, files_api) -> None:
    tag = uuid.uuid4().hex[:12]
    with Receiver().start() as receiver:
        consumer = add_consumer(
            files_api, receiver, eventTypes=["files.uploaded"], companyTags=[f"files:{tag}"]
        )
        try:
            company = files_api.post(
                "/companies", json={"name": "Files Hook Ltd", "tags": {"files": tag}}
            ).json()["id"]
            connection = files_api.post(
                f"/companies/{company}/connections", json={"platformKey": "mqjo"}
            ).json()["id"]
            objects = store.stored_objects()
            assert upload(files_api, company, connection, ("q3.pdf", PDF), ("q3.csv", CSV)).status_code == 200
            receiver.wait_for(lambda r: len(r.events()) == 1, what="files.uploaded")
            [event] = receiver.events().values()
            assert event["eventType"] == "files.uploaded" and event["payload"]["companyId"] == company
            payload = event["payload"]
            assert payload["connectionId"] == connection and payload["sourceType"] == "Accounting"
            assert [f["fileName"] for f in payload["files"]] == ["q3.pdf", "q3.csv"]
            assert store.stored_objects() == objects + 2
        finally:
            files_api.delete(f"/webhooks/{consumer}")

    assert files_api.delete(f"/companies/{company}").status_code == 204
    assert store.count("SELECT count(*) FROM files WHERE company_id = :c", c=company) == 0
    # Large objects go in the deleting transaction; an object store's keys with the purge job after it.
    wait_until(
        lambda: store.stored_objects() == objects, timeout=30, what="the company's stored files removed"
    )
    assert store.count("SELECT count(*) FROM file_orphans") == 0


def test_an_upload_that_does_not_commit_leaves_no_object_behind(store: Store) -> None:
    """Large objects are written in the upload's transaction: one that never commits takes them with it. An
    object store's object is written before its row commits: a transaction that never commits (a crash, a
    failed commit) leaves the key in `file_orphans`, due an hour later; the purge job deletes it."""
    import anyio
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from ledgerlink.config import Settings
    from ledgerlink.files.storage import configured_store

    environment = store.s3.env if store.s3 is not None else {}
    settings = Settings(
        **{key.removeprefix("LEDGERLINK_").lower(): value for key, value in environment.items()}
    )
    objects_before = store.stored_objects()

    async def abandoned_upload() -> str:
        engine = create_async_engine(sqlalchemy_url(store.server.database_url))
        try:
            objects = configured_store(settings, async_sessionmaker(engine))
            async with async_sessionmaker(engine)() as session:
                await session.begin()
                reference = await objects.put(session, f"abandoned/{uuid.uuid4()}", io.BytesIO(PDF))
                await session.rollback()
            return reference
        finally:
            await engine.dispose()

    reference = anyio.run(abandoned_upload)
    if store.s3 is None:
        assert store.stored_objects() == objects_before
        assert store.count("SELECT count(*) FROM file_orphans") == 0
        return
    assert reference in store.s3.object_keys()
    due = "SELECT count(*) FROM file_orphans WHERE reference = :r AND due_at > now() + interval '50 minutes'"
    assert store.count(due, r=reference) == 1
    store.count(
        "WITH due AS (UPDATE file_orphans SET due_at = now() WHERE reference = :r RETURNING 1) "
        "SELECT count(*) FROM due",
        r=reference,
    )
    wait_until(
        lambda: reference not in store.s3.object_keys(), timeout=30, what="the abandoned object purged"
    )
    assert store.count("SELECT count(*) FROM file_orphans WHERE reference = :r", r=reference) == 0
