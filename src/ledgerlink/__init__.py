"""ledgerlink: an open, self-hostable platform for small businesses' financial data."""

__version__ = "0.1.0"
