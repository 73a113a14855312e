"""The virus-scan hook point: every upload is handed to the scanner `LEDGERLINK_FILES_SCANNER` names before
anything is stored. ledgerlink ships none; docs/deployment.md shows ClamAV plugged in."""

from __future__ import annotations

import importlib
from typing import BinaryIO, Protocol

from ledgerlink.kit.errors import CodatError


class VirusScanner(Protocol):
    async def scan(self, file_name: str, content: BinaryIO) -> str | None:
        """None when the file is clean, else what was found (a signature's name) for the refusal."""
        ...


class FileInfected(CodatError):
    status_code = 400


class ScannerUnusable(ValueError):
    """`LEDGERLINK_FILES_SCANNER` names nothing that scans: the process does not start."""


def load_scanner(name: str | None) -> VirusScanner | None:
    """`package.module:attribute`: a class (made with no arguments) or an instance with `scan`."""
    if not name:
        return None
    module_name, _, attribute = name.partition(":")
    if not attribute:
        raise ScannerUnusable(f"LEDGERLINK_FILES_SCANNER must be package.module:name, not {name!r}")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
        scanner = found() if isinstance(found, type) else found
    except Exception as error:
        raise ScannerUnusable(f"LEDGERLINK_FILES_SCANNER: cannot load {name}: {error}") from error
    if not callable(getattr(scanner, "scan", None)):
        raise ScannerUnusable(f"LEDGERLINK_FILES_SCANNER: {name} has no scan(file_name, content) method")
    return scanner


async def scan(scanner: VirusScanner | None, file_name: str, content: BinaryIO) -> None:
    if scanner is None:
        return
    content.seek(0)
    found = await scanner.scan(file_name, content)
    content.seek(0)
    if found:
        raise FileInfected(f"The file '{file_name}' was refused: the virus scanner found {found}.")
