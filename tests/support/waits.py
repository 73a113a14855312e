"""Waiting for something a test expects to happen, by watching for it rather than sleeping a fixed time: a
slow machine makes a wait longer, never a check wrong. A check that something did not happen waits for a
later event that shows it would have (a periodic run after the moment, an idle queue), then looks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, create_engine, text

from ledgerlink.db import sqlalchemy_url

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 30, what: str = "the condition") -> T:
    """Call `condition` until it gives something truthy, and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def wait_for_periodic_run(database_url: str, periodic_id: str, *, after: float, timeout: float = 60) -> None:
    """Until a run of a periodic job (`worker.create_job_app`'s `periodic_id`) deferred for a tick later than
    `after` (unix time) has finished: whatever that run does about what was true at `after`, it has done.
    The way to check that something periodic did *not* happen: see a run that would have done it."""

    def finished(db: Connection) -> bool:
        row = db.execute(
            text(
                "SELECT d.defer_timestamp, j.status FROM procrastinate_periodic_defers d"
                " LEFT JOIN procrastinate_jobs j ON j.id = d.job_id"
                " WHERE d.periodic_id = :periodic ORDER BY d.defer_timestamp DESC LIMIT 1"
            ),
            {"periodic": periodic_id},
        ).one_or_none()
        # A successful job is deleted (worker.py: delete_jobs="successful"), which unlinks it.
        return row is not None and row[0] > after and row[1] in (None, "succeeded", "failed")

    _wait_on_database(database_url, finished, timeout, f"a run of {periodic_id} after {after}")


def wait_for_idle_queue(database_url: str, queue: str, timeout: float = 60) -> None:
    """Until no job of the queue is waiting or running (scheduled retries later than now aside)."""

    def idle(db: Connection) -> bool:
        busy = db.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = :queue AND (status = 'doing'"
                " OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))"
            ),
            {"queue": queue},
        )
        return busy == 0

    _wait_on_database(database_url, idle, timeout, f"the {queue} queue to be idle")


def _wait_on_database(
    database_url: str, look: Callable[[Connection], bool], timeout: float, what: str
) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as db:

            def seen() -> bool:
                found = look(db)
                db.rollback()  # the next look reads what was committed since
                return found

            wait_until(seen, timeout, what=what)
    finally:
        engine.dispose()
