"""The job worker of `ledgerlink serve`, in a child process of its own at a lower CPU priority.

A pull's CPU (a Sandbox generating records, mapping, COPY batches) would otherwise hold up the API's event
loop: in a process of its own, niced, the operating system gives the API the CPU first, and the API process
is API only.

The API process (`WorkerProcess`, a thread) starts `python -m ledgerlink serve-worker` (niced by
`LEDGERLINK_WORKER_NICENESS`, default 10) once the database is migrated and the API is about to serve (in
its lifespan, so that the two do not start up at once), and starts it again, after a pause that grows while
it keeps exiting at once, whenever it exits unasked. The child has what the API has: the same environment
(so the same settings and the same secret key, from `LEDGERLINK_SECRET_KEY` or the data directory's key
file: nothing is written anywhere new), the effective host, port, data directory and database URL (the
embedded PostgreSQL's too), and the same stdout and stderr. It holds the read end of a pipe, its lifeline,
whose write end only the API process has: the API writes `stop` (the first SIGTERM/SIGINT: stop taking
jobs, running ones have the grace period) and `interrupt` (any later one: interrupt them at once) on it, and
when the API process dies, however it dies, the pipe ends and the child interrupts its jobs and exits, so
no worker outlives its `serve`.

The child counts its pulls and deliveries in prometheus_client's multiprocess files, in a directory the API
process made; the API's `/metrics` adds them to its own (`kit.metrics.exposition`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

from ledgerlink import worker
from ledgerlink.config import Settings

log = structlog.get_logger("ledgerlink.worker")

STOP, INTERRUPT = b"s", b"i"
# Beyond the grace period, how long the API process waits for its stopping child before killing it.
STOP_MARGIN_SECONDS = 15.0


class WorkerProcess:
    """Starts the worker's child process and keeps one running until `stop`; every method may be called
    from a signal handler (they only write to a pipe or send a signal, under a re-entrant lock)."""

    def __init__(self, settings: Settings, database_url: str, metrics_dir: Path) -> None:
        self.metrics_dir = metrics_dir
        self.grace_seconds = settings.shutdown_grace_seconds
        self.niceness = settings.worker_niceness
        self._command = [sys.executable, "-m", "ledgerlink", "serve-worker"]
        self._environment = {
            **os.environ,
            "LEDGERLINK_DATABASE_URL": database_url,
            "LEDGERLINK_HOST": settings.host,
            "LEDGERLINK_PORT": str(settings.port),
            "LEDGERLINK_DATA_DIR": str(settings.data_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._lifeline: int | None = None
        self._thread = threading.Thread(target=self._supervise, name="ledgerlink-worker-process", daemon=True)

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process and self._process.poll() is None else None

    def start(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self._thread.start()

    def stop(self) -> None:
        """Ask the child to stop taking jobs (running ones have the grace period); none is started again."""
        with self._lock:
            self._stopping.set()
            self._tell(STOP)

    def interrupt(self) -> None:
        """Ask the child to interrupt its running jobs at once (they are retried)."""
        with self._lock:
            self._tell(INTERRUPT)

    def dump(self) -> None:
        """SIGUSR1 to the child: it logs its tasks' stacks, as the API process does its own."""
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGUSR1)

    def join(self) -> None:
        """Stop (if not yet asked) and wait for the child to exit: its grace period and a margin, after
        which it is killed. A stop signal meanwhile interrupts the child's running jobs at once (the server's
        handlers are gone by now: one would end this process with the child still running)."""
        self.stop()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in worker.STOP_SIGNALS:
                previous[signum] = signal.signal(signum, lambda _signum, _frame: self.interrupt())
        try:
            if (
                not self._thread.is_alive()
            ):  # (never started: the server's startup failed, or it stopped first)
                return
            self._thread.join(self.grace_seconds + STOP_MARGIN_SECONDS)
            with self._lock:
                process = self._process
            if process is not None and process.poll() is None:
                log.error("the job worker process did not stop in time; killing it", pid=process.pid)
                process.kill()
                process.wait()
            self._thread.join()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _tell(self, message: bytes) -> None:
        if self._lifeline is not None:
            with contextlib.suppress(OSError):  # the child has exited (its end is closed), or is not reading
                os.write(self._lifeline, message)

    def _supervise(self) -> None:
        pause = worker.RESTART_PAUSE_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                ran = self._run_once()
            except OSError:
                log.exception("cannot start the job worker process", pause_seconds=pause)
            else:
                if ran is None or self._stopping.is_set():
                    return
                pid, code = ran
                log.warning(
                    "job worker process exited; starting it again",
                    pid=pid,
                    exit_code=code,
                    pause_seconds=pause,
                )
            # One that ran a good while starts again promptly; one exiting at once backs off.
            if time.monotonic() - started > 60:
                pause = worker.RESTART_PAUSE_SECONDS
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, worker.MAX_RESTART_PAUSE_SECONDS)

    def _run_once(self) -> tuple[int, int] | None:
        """Start the child and wait for it to exit: its pid and exit code (None: stopping, none started)."""
        with self._lock:
            if self._stopping.is_set():
                return None
            read, write = os.pipe()  # (neither end is inherited by anything but through pass_fds)
            os.set_blocking(write, False)
            try:
                process = subprocess.Popen(
                    [*self._command, "--lifeline", str(read)], env=self._environment, pass_fds=(read,)
                )
            except OSError:
                os.close(write)
                raise
            finally:
                os.close(read)
            self._process, self._lifeline = process, write
            # Niced as soon as it exists, its imports too (raising a niceness needs no privilege).
            with contextlib.suppress(OSError):
                niceness = os.getpriority(os.PRIO_PROCESS, 0) + self.niceness
                os.setpriority(os.PRIO_PROCESS, process.pid, niceness)
            log.info("job worker process started", pid=process.pid)
        code = process.wait()
        with self._lock:
            os.close(write)
            self._lifeline = None
        if self._stopping.is_set():
            log.info("job worker process stopped", pid=process.pid, exit_code=code)
        return process.pid, code


@contextmanager
def supervised(settings: Settings, database_url: str) -> Iterator[WorkerProcess | None]:
    """`ledgerlink serve`: the worker's child process, for the application to start (none when
    `worker_concurrency` is 0); leaving the context stops the child and waits for it, so that what comes
    after (the embedded PostgreSQL stopping) finds no job running."""
    if settings.worker_concurrency <= 0:
        yield None
        return
    # An operator's own PROMETHEUS_MULTIPROC_DIR (this process counts in it too, and /metrics reads it
    # whole) is the child's as well, and theirs to clear.
    operators = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    metrics_dir = Path(operators or tempfile.mkdtemp(prefix="ledgerlink-worker-metrics-"))
    workers = WorkerProcess(settings, database_url, metrics_dir)
    try:
        yield workers
    finally:
        workers.join()
        if not operators:
            shutil.rmtree(metrics_dir, ignore_errors=True)


async def run_child(settings: Settings, database_url: str, lifeline: int) -> None:
    """`ledgerlink serve-worker`: the workers until the API process says stop, a stop signal comes, or the
    API process is gone (its pipe ends: then running jobs are interrupted at once, nobody waits for them)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def stop_taking_jobs(_signum: int) -> None:
        loop.call_soon_threadsafe(stop.set)

    def interrupt() -> None:
        loop.call_soon_threadsafe(worker.jobs_in_flight.interrupt)

    # Signals sent to the child itself (a terminal's Ctrl-C reaches the whole process group, systemd's stop
    # the whole unit) mean what they mean to `ledgerlink worker`; the API's messages repeat them harmlessly.
    worker.install_stop_signals(stop_taking_jobs, interrupt)
    loop.add_signal_handler(signal.SIGUSR1, worker.dump_tasks)

    def heard() -> None:
        try:
            messages = os.read(lifeline, 64)
        except BlockingIOError:
            return
        if not messages:
            log.warning("the ledgerlink serve process is gone: interrupting the running jobs")
            loop.remove_reader(lifeline)
            stop.set()
            worker.jobs_in_flight.interrupt()
            return
        if STOP in messages:
            stop.set()
        if INTERRUPT in messages:
            log.warning("stop signal again: interrupting the running jobs")
            worker.jobs_in_flight.interrupt()

    os.set_blocking(lifeline, False)
    loop.add_reader(lifeline, heard)
    await worker.run_until_stopped(settings, database_url, stop)
