"""Finding and killing every process a worker started, even those that left its group.

On Linux the supervising process becomes a child subreaper, so descendants
that outlive the worker are re-parented to it instead of to init, and their
parent links in /proc still lead back here. Elsewhere only the worker's
process group is killed.
"""

import ctypes
import os
import signal
import sys

_PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper() -> None:
    """Adopt orphaned descendants (Linux); do nothing elsewhere."""
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        _subreaper = False


def _parents() -> dict[int, int]:
    """Return {pid: parent pid} for every process, from /proc."""
    links = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return links
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            links[int(entry)] = int(fields[1])
    return links


def descendants(root: int) -> set[int]:
    """Return the pids below ROOT in the process tree (Linux), else an empty set."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def children() -> set[int]:
    """Return the pids whose parent is this process (Linux), else an empty set."""
    if not _subreaper:
        return set()
    me = os.getpid()
    return {pid for pid, parent in _parents().items() if parent == me}


def reap_orphans(keep: set[int]) -> None:
    """Kill and reap descendants re-parented to this process, except KEEP.

    KEEP must hold this process's own children, such as the other live
    workers and the processes it had started before the worker.
    """
    if not _subreaper:
        return
    orphans = children() - keep
    for orphan in orphans:
        kill_all(descendants(orphan) | {orphan})
    for orphan in orphans:
        try:
            os.waitpid(orphan, 0)
        except ChildProcessError:
            pass


def start_time(pid: int) -> int | None:
    """Return the start time of PID in clock ticks since boot (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 else None


def is_alive(pid: int, started: int | None) -> bool:
    """Return whether PID still runs and, where known, is the process that started at STARTED."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if started is None:
        return True
    # A different start time means the pid was reused by another process.
    return start_time(pid) in (None, started)
