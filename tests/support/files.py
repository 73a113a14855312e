"""Uploaded files' tests share: sample files of each accepted type, the official `codat-files` SDK, and a real
S3-compatible endpoint on loopback (moto in server mode) with a bucket for a server to keep files in."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support.server import RunningServer, free_port

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n\x00\x01\x02 binary \xff\xfe\ntrailer << >>\n%%EOF\n"
CSV = "date,description,amount\n2026-11-02,Café supplies,-12.50\n2026-11-03,Sale,99.00\n".encode()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def xlsx() -> bytes:
    """The smallest package Excel's format defines: content types and a workbook part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return buffer.getvalue()


def files_sdk(server: RunningServer):  # type: ignore[no-untyped-def]
    """The official `codat-files` SDK, pointed at the server."""
    from codatfiles import CodatFiles
    from codatfiles.models import shared

    return CodatFiles(security=shared.Security(auth_header=server.auth_header), server_url=server.base_url)


@dataclass
class S3Endpoint:
    url: str
    bucket: str

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def object_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listed.get("Contents", [])]

    @property
    def env(self) -> dict[str, str]:
        """A ledgerlink server's settings for keeping its files here."""
        return {
            "LEDGERLINK_FILES_STORE": "s3",
            "LEDGERLINK_FILES_S3_BUCKET": self.bucket,
            "LEDGERLINK_FILES_S3_ENDPOINT": self.url,
            "LEDGERLINK_FILES_S3_ACCESS_KEY_ID": "testing",
            "LEDGERLINK_FILES_S3_SECRET_ACCESS_KEY": "testing",
        }


@contextmanager
def s3_endpoint() -> Iterator[S3Endpoint]:
    """moto's S3 in server mode on a loopback port, with a fresh bucket; stopped when the block ends."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        endpoint = S3Endpoint(f"http://127.0.0.1:{port}", f"files-{uuid.uuid4().hex[:12]}")
        endpoint.client().create_bucket(Bucket=endpoint.bucket)
        yield endpoint
    finally:
        moto.stop()


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class EicarScanner:
    """A virus scanner as `LEDGERLINK_FILES_SCANNER` names one: finds the EICAR test signature."""

    async def scan(self, file_name: str, content: io.BufferedIOBase) -> str | None:
        return "Eicar-Test-Signature" if EICAR in content.read() else None
