"""Database engine, sessions and the declarative base every domain's tables hang off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from starlette.requests import Request

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def sqlalchemy_url(database_url: str) -> str:
    """Any `postgresql://` URL, rewritten for the psycopg 3 driver SQLAlchemy uses."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_pre_ping=True,
        pool_size=kwargs.pop("pool_size", 10),
        max_overflow=kwargs.pop("max_overflow", 10),
        # Every timestamp the API hands out is UTC; make the server agree.
        connect_args={"options": "-c timezone=UTC"},
        **kwargs,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back if it raises."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        yield session


def load_models() -> None:
    """Import every domain's tables so `Base.metadata` knows them all (migrations, tests)."""
    from ledgerlink.clients import models as _clients  # noqa: F401
    from ledgerlink.companies import models as _companies  # noqa: F401
    from ledgerlink.connections import models as _connections  # noqa: F401
    from ledgerlink.events import models as _events  # noqa: F401
    from ledgerlink.integrations import models as _integrations  # noqa: F401
    from ledgerlink.link import models as _link  # noqa: F401
    from ledgerlink.oauth import models as _oauth  # noqa: F401
    from ledgerlink.portal import models as _portal  # noqa: F401
    from ledgerlink.records import models as _records  # noqa: F401
    from ledgerlink.settings import models as _settings  # noqa: F401
    from ledgerlink.sync import models as _sync  # noqa: F401
    from ledgerlink.webhooks import models as _webhooks  # noqa: F401
