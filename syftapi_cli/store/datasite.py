"""The datasite: one state directory with one JSON record per file.

Layout under the root:

    datasite.json          name, id and schema of the datasite
    key                    HMAC key that signs every blob (0600)
    .lock                  the datasite lock, held for record changes only
    users/ tokens/ endpoints/ jobs/ code/ requests/   one JSON record a file
    blobs/ results/ state/                            signed pickles
    locks/                 one lock file per endpoint method's state

Every record carries `schema`. A newer schema is rejected; older ones are
migrated forward when read.
"""

import contextlib
import hashlib
import json
import os
import secrets
import stat
import time
from pathlib import Path
from typing import Iterator

from syftapi_cli.errors import DamagedState, NotFound, UsageError
from syftapi_cli.store import fields
from syftapi_cli.store.files import (
    TEMP_PREFIX,
    file_lock,
    make_private_dir,
    write_atomic,
)

SCHEMA = 1
KINDS = (
    "users",
    "tokens",
    "endpoints",
    "jobs",
    "code",
    "requests",
    "blobs",
    "results",
    "state",
    "locks",
    "pools",
)
MARKER = "datasite.json"
# Temporary files younger than this may belong to a writer that is still running.
STALE_TEMP_S = 60.0
# Leaves room for suffixes within the usual 255-byte limit on file names.
MAX_RECORD_NAME_BYTES = 200
# Folders swept on every open; jobs/ and results/ are large, so `jobs list`,
# `jobs prune` and `syftapi doctor` sweep those.
SWEPT_ON_OPEN = ("users", "tokens", "endpoints", "code", "requests", "blobs", "state", "pools")

# MIGRATIONS[n](kind, record) turns a schema-n record of KIND into schema n + 1.
# Records are migrated when read and stored in the new schema at their next
# write. Schema 1 is the first, so there is nothing to migrate yet.
MIGRATIONS: dict = {}


def new_id() -> str:
    """Return a short id whose text order follows creation time."""
    return f"{time.time_ns() // 1_000_000:011x}{secrets.token_hex(2)}"


def hash_name(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _check_private(root: Path) -> None:
    """Raise DamagedState if other OS users could change the datasite or read its key.

    Write access to any folder would let them plant blobs, and the key
    would let them sign those blobs.
    """
    for path in (root, *(root / kind for kind in KINDS)):
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise DamagedState(
                f"datasite folder '{path}' is writable by other OS users "
                f"(mode {stat.S_IMODE(mode):o}); run 'chmod -R go-rwx {root}' first"
            )
    key = root / "key"
    try:
        mode = key.stat().st_mode
    except FileNotFoundError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise DamagedState(
            f"datasite key '{key}' is open to other OS users (mode "
            f"{stat.S_IMODE(mode):o}); run 'chmod -R go-rwx {root}' first"
        )


class Datasite:
    """Access to one state directory's records, blobs and locks."""

    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def create(cls, root: Path, name: str) -> "Datasite":
        """Create a new datasite at ROOT; fail if one exists there."""
        root = root.expanduser()
        if (root / MARKER).exists():
            raise UsageError(
                f"a datasite already exists at '{root}'; use it, or pass "
                "--state-dir to create another"
            )
        if root.exists() and any(p for p in root.iterdir() if p.name != ".lock"):
            raise UsageError(f"'{root}' is not empty; choose an empty or new folder")
        make_private_dir(root)
        os.chmod(root, 0o700)
        for kind in KINDS:
            make_private_dir(root / kind)
        write_atomic(root / "key", secrets.token_bytes(32))
        datasite = cls(root)
        datasite._write_json(
            root / MARKER,
            {"name": name, "id": secrets.token_hex(8), "created_at": time.time()},
        )
        return datasite

    @classmethod
    def open(cls, root: Path) -> "Datasite":
        """Open the datasite at ROOT after checking it exists and is private."""
        root = root.expanduser()
        if not (root / MARKER).is_file():
            raise NotFound(f"no datasite at '{root}'; run 'syftapi init' to create one")
        _check_private(root)
        datasite = cls(root)
        datasite.sweep_temporary_files(SWEPT_ON_OPEN)
        return datasite

    @property
    def info(self) -> dict:
        return self._read_json(self.root / MARKER)

    @property
    def key(self) -> bytes:
        return (self.root / "key").read_bytes()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the datasite lock; keep it for record changes, never while code runs."""
        with file_lock(self.root / ".lock"):
            yield

    def state_lock_path(self, path: str, side: str) -> Path:
        return self.root / "locks" / f"{path}.{side}.lock"

    # Records

    def record_path(self, kind: str, name: str) -> Path:
        if "/" in name or "\0" in name or name.startswith(".") or not name:
            raise UsageError(f"invalid record name {name[:80]!r}")
        if len(name.encode("utf-8", "surrogatepass")) > MAX_RECORD_NAME_BYTES:
            raise UsageError(
                f"invalid record name {name[:80]!r}...: longer than "
                f"{MAX_RECORD_NAME_BYTES} bytes"
            )
        return self.root / kind / f"{name}.json"

    def read(self, kind: str, name: str) -> dict | None:
        """Return record NAME of KIND, or None if it does not exist."""
        if len(name.encode("utf-8", "surrogatepass")) > MAX_RECORD_NAME_BYTES:
            return None  # no such record can have been written
        path = self.record_path(kind, name)
        try:
            return self._read_json(path)
        except FileNotFoundError:
            return None

    def write(self, kind: str, name: str, record: dict) -> None:
        self._write_json(self.record_path(kind, name), record)

    def delete(self, kind: str, name: str) -> bool:
        try:
            os.unlink(self.record_path(kind, name))
        except FileNotFoundError:
            return False
        return True

    def names(self, kind: str) -> list[str]:
        """Return the names of all records of KIND, sorted."""
        with os.scandir(self.root / kind) as entries:
            return sorted(
                entry.name[: -len(".json")]
                for entry in entries
                if entry.name.endswith(".json") and not entry.name.startswith(".")
            )

    def records(self, kind: str) -> Iterator[dict]:
        for name in self.names(kind):
            record = self.read(kind, name)
            if record is not None:
                yield record

    # Blobs

    def blob_path(self, kind: str, name: str) -> Path:
        return self.root / kind / f"{name}.pkl"

    def write_blob(self, kind: str, name: str, blob: bytes) -> None:
        write_atomic(self.blob_path(kind, name), blob)

    def read_blob(self, kind: str, name: str) -> bytes | None:
        try:
            return self.blob_path(kind, name).read_bytes()
        except FileNotFoundError:
            return None

    def delete_blob(self, kind: str, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.blob_path(kind, name))

    def sweep_temporary_files(self, kinds=KINDS, min_age_s: float = STALE_TEMP_S) -> list[Path]:
        """Remove temporary files that writers left when they died; return their paths.

        Only files older than MIN_AGE_S go, so a write still in progress in
        another process keeps its file.
        """
        removed = []
        cutoff = time.time() - min_age_s
        for kind in kinds:
            with os.scandir(self.root / kind) as entries:
                for entry in entries:
                    if not entry.name.startswith(TEMP_PREFIX):
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        if entry.stat().st_mtime <= cutoff:
                            os.unlink(entry.path)
                            removed.append(Path(entry.path))
        return removed

    # JSON encoding

    def _read_json(self, path: Path) -> dict:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read()
        # A record other OS users can write, such as a user's role, is not the datasite's.
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise DamagedState(
                f"record '{path}' is writable by other OS users (mode "
                f"{stat.S_IMODE(mode):o}); run 'chmod -R go-rwx {self.root}' first"
            )
        try:
            record = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise DamagedState(
                f"record '{path}' is corrupt (not valid JSON); restore it from a "
                "backup or delete it"
            ) from None
        if not isinstance(record, dict) or not isinstance(record.get("schema"), int):
            raise DamagedState(
                f"record '{path}' is corrupt (no schema version); restore it from "
                "a backup or delete it"
            )
        if record["schema"] > SCHEMA:
            raise DamagedState(
                f"record '{path}' has schema {record['schema']}, newer than this "
                f"syftapi supports ({SCHEMA}); upgrade syftapi"
            )
        while record["schema"] < SCHEMA:
            migrate = MIGRATIONS.get(record["schema"])
            if migrate is None:
                raise DamagedState(
                    f"record '{path}' has schema {record['schema']}, which this syftapi "
                    "cannot migrate; restore it from a backup or delete it"
                )
            record = {**migrate(path.parent.name, record), "schema": record["schema"] + 1}
        kind = "datasite" if path.parent == self.root else path.parent.name
        wrong = fields.problem(kind, record)
        if wrong is not None:
            raise DamagedState(
                f"record '{path}' is corrupt ({wrong}); restore it from a backup or delete it"
            )
        return record

    def _write_json(self, path: Path, record: dict) -> None:
        record = {"schema": SCHEMA, **{k: v for k, v in record.items() if k != "schema"}}
        write_atomic(path, json.dumps(record, indent=1, sort_keys=True).encode())
