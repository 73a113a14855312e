"""Sandbox connectors: platforms with coherent dummy books, linked without real credentials."""
