"""Which process holds a delivery: an identity that outlives pid reuse, and whether it is gone."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_host() -> str:
    """The host name and the pid namespace: containers that share a host name (host
    networking, a fixed `hostname:`) still see different processes under one pid."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = "?"
    return f"{socket.gethostname()}#{namespace}"


def process_identity(pid: int | None = None) -> str:
    """`host#pidns/pid/start`: names one process for good, even after its pid is reused."""
    pid = os.getpid() if pid is None else pid
    return f"{this_host()}/{pid}/{_start_time(pid)}"


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _start_time(pid: int) -> str:
    fields = _stat(pid)
    return fields[19] if fields else "?"  # field 22: start time in clock ticks


def owner_is_gone(owner: str) -> bool:
    """True when `owner` was a process of this host that is not running any more."""
    host, _, rest = owner.partition("/")
    pid_text, _, start = rest.partition("/")
    if host != this_host() or not pid_text.isdigit():
        return False  # another host's process: only its lease running out tells
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, someone else's
    fields = _stat(pid)
    if fields is None:
        return start != "?"
    # A zombie (killed, not yet reaped: containers often lack a reaper) is gone too, and so
    # is a pid that now names another process.
    return fields[0] in ("Z", "X") or fields[19] != start
