"""The pull_operations table: one row per data type pulled from one connection (Codat's dataset)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.db import Base


class PullStatus(StrEnum):
    INITIAL = "Initial"
    QUEUED = "Queued"
    FETCHING = "Fetching"
    MAP_QUEUED = "MapQueued"
    MAPPING = "Mapping"
    COMPLETE = "Complete"
    FETCH_ERROR = "FetchError"
    MAP_ERROR = "MapError"
    INTERNAL_ERROR = "InternalError"
    PROCESSING_QUEUED = "ProcessingQueued"
    PROCESSING = "Processing"
    PROCESSING_ERROR = "ProcessingError"
    VALIDATION_QUEUED = "ValidationQueued"
    VALIDATING = "Validating"
    VALIDATION_ERROR = "ValidationError"
    AUTH_ERROR = "AuthError"
    CANCELLED = "Cancelled"
    NOT_SUPPORTED = "NotSupported"
    RATE_LIMIT_ERROR = "RateLimitError"
    PERMISSIONS_ERROR = "PermissionsError"
    PREREQUISITE_NOT_MET = "PrerequisiteNotMet"

    @property
    def is_final(self) -> bool:
        return self not in IN_FLIGHT

    @property
    def is_error(self) -> bool:
        return self.value.endswith("Error")


IN_FLIGHT = frozenset(
    {
        PullStatus.INITIAL,
        PullStatus.QUEUED,
        PullStatus.FETCHING,
        PullStatus.MAP_QUEUED,
        PullStatus.MAPPING,
        PullStatus.PROCESSING_QUEUED,
        PullStatus.PROCESSING,
        PullStatus.VALIDATION_QUEUED,
        PullStatus.VALIDATING,
    }
)
# The same set as SQL, for the in-flight unique index and statements that must name its predicate.
IN_FLIGHT_SQL = ", ".join(f"'{status.value}'" for status in sorted(IN_FLIGHT))


class PullTrigger(StrEnum):
    FIRST_LINK = "firstLink"  # queued when the connection linked
    REFRESH_ALL = "refreshAll"  # POST /data/all
    QUEUE = "queue"  # POST /data/queue/{dataType}
    SCHEDULE = "schedule"  # the continuous schedule (syncSchedule hours)
    PUSH = "push"  # a push completed (its `allowSyncOnPushComplete`)


class PullOperation(Base):
    __tablename__ = "pull_operations"
    __table_args__ = (
        Index("ix_pull_operations_company_requested", "company_id", "requested"),
        Index("ix_pull_operations_connection_type", "connection_id", "data_type", "requested"),
        # Finished pulls not yet reported in a `read.completed` event.
        Index("ix_pull_operations_unreported", "company_id", postgresql_where=text("reported_at IS NULL")),
        # At most one pull of a data type in flight per connection: a second queue is refused.
        Index(
            "uq_pull_operations_in_flight",
            "connection_id",
            "data_type",
            unique=True,
            postgresql_where=text(f"status IN ({IN_FLIGHT_SQL})"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    data_type: Mapped[str]
    status: Mapped[str] = mapped_column(default=PullStatus.QUEUED.value)
    status_description: Mapped[str | None]
    error_message: Mapped[str | None]
    trigger: Mapped[str] = mapped_column(default=PullTrigger.QUEUE.value)
    requested: Mapped[datetime]
    started: Mapped[datetime | None]
    completed: Mapped[datetime | None]
    progress: Mapped[int] = mapped_column(default=0)
    # The moment the connector was asked for: a retried pull asks for the same moment again.
    as_of: Mapped[datetime | None]
    records_modified: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a `read.completed` event reported this pull (see sync.completion).
    reported_at: Mapped[datetime | None]
    # What the connector left for the next pull of this type (a platform's sync cursor, `Batch.checkpoint`),
    # written only when the pull completes.
    checkpoint: Mapped[str | None]
