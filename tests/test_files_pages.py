"""Uploaded files in the pages, in Chromium: a business uploads a PDF and a CSV on Link's upload page inside
its visit (a wrong file refused on the page, nothing stored), the Files API then hands them back, and the
operator sees and downloads them on the Portal's company page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.files import CSV, PDF, PNG
from tests.support.portal import sign_in
from tests.support.server import RunningServer


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    made = {}
    for name, content in (("Q3 statement.pdf", PDF), ("ledger.csv", CSV), ("photo.pdf", PNG)):
        made[name] = tmp_path / name
        made[name].write_bytes(content)
    return made


def test_upload_in_link_then_download_through_the_api_and_the_portal(
    api: httpx.Client, server: RunningServer, page, shoot, accessible, samples, db
) -> None:
    company = api.post("/companies", json={"name": "Upload Bakery"}).json()
    upload_url = f"{server.base_url}/link/company/{company['id']}/upload/banking"

    # Outside a visit the page is refused; the company's Link URL starts one.
    assert httpx.get(upload_url).status_code == 401
    page.goto(company["redirect"])
    page.goto(upload_url)
    assert page.get_by_role("heading", name="Upload your bank documents").is_visible()
    assert "Nothing yet." in page.locator("main").inner_text()
    shoot("upload")
    accessible()
    # A source type Link has no upload for is a page saying so; a bad notice count is ignored.
    assert page.goto(upload_url.replace("banking", "payroll")).status == 404
    assert page.goto(upload_url + "?uploaded=lots").status == 200
    assert page.get_by_role("status").count() == 0
    page.goto(upload_url)

    # A file over the limit is named before anything is sent (the server checks again: test_files.py).
    big = samples["photo.pdf"].with_name("big.pdf")
    big.write_bytes(PDF + b"0" * 10 * 1024 * 1024)
    chooser = page.get_by_label("Files to upload")
    chooser.set_input_files(str(big))
    assert "big.pdf is larger than 10 MB" in chooser.evaluate("input => input.validationMessage")
    page.get_by_role("button", name="Upload", exact=True).click()
    assert page.url == upload_url

    # A file named as a PDF that is not one: refused on the page, nothing stored.
    page.get_by_label("Files to upload").set_input_files(str(samples["photo.pdf"]))
    page.get_by_role("button", name="Upload", exact=True).click()
    alert = page.get_by_role("alert")
    assert "named as PDF but its content is not" in alert.inner_text()
    shoot("refused")
    accessible()
    assert api.get(f"/companies/{company['id']}/files").json() == []

    page.get_by_label("Files to upload").set_input_files(
        [str(samples["Q3 statement.pdf"]), str(samples["ledger.csv"])]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url("**/upload/banking?uploaded=2")
    assert page.get_by_role("status").inner_text() == "2 files uploaded."
    listed = page.get_by_role("list", name="Uploaded in this visit").inner_text()
    assert "Q3 statement.pdf" in listed and "ledger.csv" in listed
    shoot("uploaded")
    accessible()

    # The Files API has them, as uploaded.
    files = api.get(f"/companies/{company['id']}/files").json()
    assert [(f["fileName"], f["sourceType"]) for f in files] == [
        ("Q3 statement.pdf", "Banking"),
        ("ledger.csv", "Banking"),
    ]
    downloaded = api.get(f"/companies/{company['id']}/files/download")
    assert downloaded.status_code == 200
    with zipfile.ZipFile(io.BytesIO(downloaded.content)) as archive:
        assert archive.read("Q3 statement.pdf") == PDF and archive.read("ledger.csv") == CSV

    # The operator's company page lists them; a link downloads one as itself.
    sign_in(page, server)
    page.goto(f"{server.base_url}/portal/companies/{company['id']}")
    section = page.locator("#files")
    assert section.get_by_role("heading", name="Files").is_visible()
    assert "ledger.csv" in section.inner_text() and "Banking" in section.inner_text()
    shoot("portal-files")
    accessible()
    with page.expect_download() as started:
        section.get_by_role("link", name="ledger.csv").click()
    saved = started.value
    assert saved.suggested_filename == "ledger.csv"
    assert Path(saved.path()).read_bytes() == CSV
