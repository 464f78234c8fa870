"""The audit log: an append-only record of who changed or was refused what, and when.

Each entry is one JSON line in `audit.log` in the datasite, appended with
O_APPEND, so concurrent writers never interleave within an entry.
"""

import json
import os
import time

from syftapi_cli.errors import UsageError
from syftapi_cli.services.roles import Identity, require_admin
from syftapi_cli.store import Datasite

AUDIT_FILE = "audit.log"


def record(datasite: Datasite, actor: str, action: str, target: str, outcome: str = "ok") -> None:
    """Append one entry: ACTOR did ACTION on TARGET with OUTCOME."""
    entry = {"at": time.time(), "actor": actor, "action": action, "target": target, "outcome": outcome}
    line = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
    fd = os.open(datasite.root / AUDIT_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def entries(datasite: Datasite, actor: Identity, limit: int = 100) -> list[dict]:
    """Return the newest LIMIT entries, newest last (admins only)."""
    require_admin(actor, "reading the audit log")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        lines = (datasite.root / AUDIT_FILE).read_bytes().splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines[-limit:]:
        try:
            found.append(json.loads(line))
        except ValueError:
            found.append({"at": None, "actor": None, "action": "unreadable entry", "target": None, "outcome": None})
    return found
