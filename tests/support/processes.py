"""The processes of a running `ledgerlink serve`: its worker child, found through /proc, for tests that kill
it or watch it be started again."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.server import RunningServer


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def worker_of(server: RunningServer, timeout: float = 30, other_than: int | None = None) -> int:
    """The pid of the serve process's worker child (a new one, when `other_than` is the last one's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in children(server.process.pid):
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
            if b"serve-worker" in command and pid != other_than:
                return pid
        time.sleep(0.1)
    raise AssertionError(f"no worker process under serve:\n{server.log()[-3000:]}")
