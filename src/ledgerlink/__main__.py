"""Entry point for `python -m ledgerlink`."""

from ledgerlink.cli import app

app()
