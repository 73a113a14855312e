"""Entry point for `python -m ledgerlink`."""

from ledgerlink.cli import main

main()
