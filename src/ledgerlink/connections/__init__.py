"""Connections: a company's link to one of its platforms, and the status machine it moves through."""
