"""Atomic, owner-only file writes and the datasite lock."""

import contextlib
import fcntl
import os
import secrets
from pathlib import Path
from typing import Iterator

TEMP_PREFIX = ".tmp-"


def write_atomic(path: Path, data: bytes | list[bytes]) -> None:
    """Replace PATH with DATA so that readers see the old or the new bytes, never a mix.

    The bytes go to a temporary file in the same folder, which is flushed and
    fsynced before `os.replace`, so a process killed mid-write leaves the
    previous version intact. The folder is fsynced after the rename so that
    the new entry survives a power cut. The file is created 0600. DATA may be a list of
    chunks, written in order, which spares joining large blobs in memory.
    """
    chunks = data if isinstance(data, list) else [data]
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dir(path: Path) -> None:
    """Create PATH (and missing parents) with mode 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def file_lock(path: Path, shared: bool = False) -> Iterator[None]:
    """Hold an flock on PATH, creating the lock file 0600 if needed."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
