"""Translating exceptions at a boundary: one table per boundary, in httpx's `map_exceptions` style.

A pull and a push each turn what a connector (or the record store) raised into how the operation ends. The
table says it once, as data: exception class → a function of the exception returning the exception to
raise instead. Entries are tried in order, so a subclass goes before its base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# Exception class → what to raise instead, built from the exception caught.
ExceptionMap = Mapping[type[Exception], Callable[[Any], Exception]]


@contextmanager
def map_exceptions(mapping: ExceptionMap) -> Iterator[None]:
    """Raise the table's translation of an exception the block raises (chained to it); others pass."""
    try:
        yield
    except Exception as error:
        for kind, translate in mapping.items():
            if isinstance(error, kind):
                raise translate(error) from error
        raise
