"""What an uploaded file must be before it is stored: within the size limit, one of the accepted types by
its content (and named as that type), under a safe name. Pure: no database, no store."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from ledgerlink.kit.errors import CodatError

# How much of a file is read to tell its type (a CSV is checked as text over this much of it).
SNIFF_BYTES = 64 * 1024
MAX_NAME_LENGTH = 255


class FileTooLarge(CodatError):
    status_code = 413


class UnsupportedFileType(CodatError):
    status_code = 415


@dataclass(frozen=True)
class FileType:
    """An accepted type: what it is called, the extensions its name may end with, its media type."""

    label: str
    extensions: tuple[str, ...]
    media_type: str


PDF = FileType("PDF", (".pdf",), "application/pdf")
CSV = FileType("CSV", (".csv",), "text/csv")
XLSX = FileType("XLSX", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PNG = FileType("PNG", (".png",), "image/png")
JPEG = FileType("JPEG", (".jpg", ".jpeg"), "image/jpeg")
ACCEPTED = (PDF, CSV, XLSX, PNG, JPEG)
ACCEPTED_EXTENSIONS = ", ".join(ext for kind in ACCEPTED for ext in kind.extensions)

# Characters no stored name keeps: path separators, what Windows refuses in a name, and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
# Text a CSV may hold besides printable characters: tab, line breaks, form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def display_name(given: str) -> str:
    """The name the business gave, fit to show: its last path segment, control characters removed."""
    last = re.split(r"[\\/]", given)[-1]
    return _SPACES.sub(" ", _UNSAFE.sub("", unicodedata.normalize("NFC", last))).strip()[:MAX_NAME_LENGTH]


def safe_name(given: str, kind: FileType) -> str:
    """A name to store and download under: no path, no character a file system or a header would trip on,
    not hidden, at most 255 characters with its extension kept (`file.pdf` when nothing is left)."""
    name = display_name(given)
    stem, dot, extension = name.rpartition(".")
    if not dot or f".{extension.lower()}" not in kind.extensions:
        stem, extension = name, kind.extensions[0][1:]
    stem = stem.strip(". ") or "file"
    return f"{stem[: MAX_NAME_LENGTH - len(extension) - 1]}.{extension.lower()}"


def check_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise FileTooLarge(f"The file '{name}' is {size} bytes; files may be up to {limit} bytes.")
    if size == 0:
        raise CodatError(f"The file '{name}' is empty.")


def file_type(name: str, content: BinaryIO) -> FileType:
    """The accepted type the file's name claims and its content proves; 415 when either disagrees."""
    extension = "." + name.rpartition(".")[2].lower() if "." in name else ""
    claimed = next((kind for kind in ACCEPTED if extension in kind.extensions), None)
    if claimed is None:
        raise UnsupportedFileType(
            f"The file '{name}' is not of an accepted type: upload {ACCEPTED_EXTENSIONS} files."
        )
    content.seek(0)
    head = content.read(SNIFF_BYTES)
    content.seek(0)
    if not _is(claimed, head, content):
        raise UnsupportedFileType(f"The file '{name}' is named as {claimed.label} but its content is not.")
    return claimed


def _is(kind: FileType, head: bytes, content: BinaryIO) -> bool:
    if kind is PDF:
        return head.startswith(b"%PDF-")
    if kind is PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if kind is XLSX:
        return head.startswith(b"PK\x03\x04") and _is_workbook(content)
    return _is_text(head)


def _is_workbook(content: BinaryIO) -> bool:
    """An Office Open XML workbook: a zip holding the package's content types and a workbook part."""
    try:
        with zipfile.ZipFile(content) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        content.seek(0)
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_text(head: bytes) -> bool:
    """Text a spreadsheet exports: UTF-8 (a BOM allowed) or Windows-1252, without binary control bytes.
    A multi-byte character cut at the end of the sample is not held against it."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding) if encoding != "utf-8-sig" else _utf8_prefix(head)
        except UnicodeDecodeError:
            continue
        return bool(text.strip()) and not _CONTROL.search(text)
    return False


def _utf8_prefix(head: bytes) -> str:
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            raise
        return head[: error.start].decode("utf-8-sig")
