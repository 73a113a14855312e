"""Shared by every domain: Codat's error envelope, paging, the query language, auth and secrets."""
