"""Alembic environment: runs migrations on a synchronous psycopg connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from ledgerlink.db import Base, load_models

load_models()
target_metadata = Base.metadata
config = context.config

# Two processes starting at once must not migrate at once.
MIGRATION_LOCK = 726_771_001


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "ledgerlink.database sets sqlalchemy.url before it runs the migrations"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()


run_migrations_online()
