"""`/link/company/{companyId}/upload/{sourceType}`: a business uploads its statements or documents instead of
(or besides) connecting software, inside its Link visit. The page lists what this visit uploaded; the files
are the company's, listed and downloaded through the Files API and the Portal."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ledgerlink.files import checks
from ledgerlink.files import service as files
from ledgerlink.files.dependencies import Rules, uploads_of
from ledgerlink.files.views import file_view
from ledgerlink.kit import pages
from ledgerlink.kit.auth import Session
from ledgerlink.kit.errors import CodatError
from ledgerlink.kit.pages import PageError
from ledgerlink.link.dependencies import CompanyForm, CompanyVisit, LinkPage
from ledgerlink.link.visit import Visit
from ledgerlink.records.registry import SourceType

router = APIRouter(include_in_schema=False)  # joined into the Link pages' router (prefix /link)

UPLOAD = "upload"
UploadForm = Annotated[LinkPage, Depends(CompanyForm(UPLOAD))]

# The source types a business uploads for, as the path spells them, and how the page speaks of them.
SOURCE_TYPES = {
    "accounting": (SourceType.ACCOUNTING, "accounting"),
    "banking": (SourceType.BANKING, "bank"),
    "commerce": (SourceType.COMMERCE, "sales"),
}


def _source_type(given: str) -> tuple[SourceType, str]:
    found = SOURCE_TYPES.get(given.lower())
    if found is None:
        raise PageError(404, "This page does not exist", "Go back to the start of the link and try again.")
    return found


def visit_key(visit: Visit) -> str:
    """What a visit's uploads are recorded under: a hash of its secret, which only its cookie holds."""
    return hashlib.sha256(f"link-upload:{visit.secret}".encode()).hexdigest()


@router.get("/company/{companyId}/upload/{sourceType}")
async def upload_page(
    sourceType: str, page: CompanyVisit, session: Session, rules: Rules, uploaded: str = ""
) -> Response:
    # How many files the form before stored (post/redirect/get); anything else in it is ignored.
    count = int(uploaded) if uploaded.isdigit() and len(uploaded) < 4 else 0
    return await _page(page, session, rules, sourceType, uploaded=count)


@router.post("/company/{companyId}/upload/{sourceType}")
async def upload(
    request: Request, sourceType: str, page: UploadForm, session: Session, rules: Rules
) -> Response:
    source_type, _ = _source_type(sourceType)
    try:
        uploads, _ = await uploads_of(request, rules)
        # A refused file leaves nothing behind: the savepoint takes back what was written before it.
        async with session.begin_nested():
            stored = await files.store(
                session,
                rules,
                page.target.company,
                uploads,
                source_type.value,
                link_visit=visit_key(page.visit),
            )
    except CodatError as refused:
        return await _page(
            page, session, rules, sourceType, error=refused.message, status=refused.status_code
        )
    return pages.redirect(
        f"/link/company/{page.target.company.id}/upload/{sourceType.lower()}?uploaded={len(stored)}"
    )


async def _page(
    page: LinkPage,
    session: Session,
    rules: Rules,
    source_type_name: str,
    *,
    uploaded: int = 0,
    error: str | None = None,
    status: int = 200,
) -> Response:
    source_type, words = _source_type(source_type_name)
    visit_files = await files.files_of(session, page.target.company.id, link_visit=visit_key(page.visit))
    response = page.render(
        "upload.html",
        source_type=source_type_name.lower(),
        words=words,
        files=[file_view(f) for f in visit_files if f.source_type == source_type.value],
        accepted=checks.ACCEPTED,
        accept=",".join(ext for kind in checks.ACCEPTED for ext in kind.extensions),
        max_megabytes=f"{rules.max_bytes / 1024 / 1024:g}",
        max_bytes=rules.max_bytes,
        max_files=files.MAX_FILES_PER_UPLOAD,
        uploaded=uploaded,
        error=error,
        upload_token=page.visit.form_token(UPLOAD),
    )
    response.status_code = status
    return response
