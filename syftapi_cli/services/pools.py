"""Worker pools: named Python interpreters that endpoints run in."""

import os
import subprocess
import sys
import time

from syftapi_cli.errors import NotFound, UsageError
from syftapi_cli.services.roles import Identity, require_owner
from syftapi_cli.store import Datasite

DEFAULT = "default"
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def validate_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS or name[0] == "-":
        raise UsageError(
            f"invalid pool name {name!r}: use lowercase letters, digits, '_' or '-'"
        )
    return name


def require_pool(datasite: Datasite, name: str | None) -> None:
    """Raise NotFound unless NAME is the default pool or a registered one."""
    if name in (None, DEFAULT):
        return
    if datasite.read("pools", validate_name(name)) is None:
        raise NotFound(
            f"worker pool {name!r} not found; run 'syftapi pool list', or "
            f"'syftapi pool add {name} --python PATH' to register it"
        )


def interpreter(datasite: Datasite, name: str | None) -> str:
    """Return the Python executable for pool NAME."""
    if name in (None, DEFAULT):
        return sys.executable
    record = datasite.read("pools", name)
    if record is None:
        raise NotFound(
            f"worker pool {name!r} no longer exists; register it again with "
            f"'syftapi pool add {name} --python PATH' or change the endpoint's pool"
        )
    return record["python"]


def _probe(python: str) -> str:
    """Return the interpreter's Python version after checking it can run the worker."""
    script = (
        "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}'); "
        "import syftapi_cli.runtime.worker, cloudpickle"
    )
    try:
        done = subprocess.run(
            [python, "-I", "-c", script], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"cannot run {python!r}: {error}") from None
    version = done.stdout.strip().splitlines()[0] if done.stdout.strip() else "?"
    if done.returncode != 0:
        raise UsageError(
            f"{python!r} (Python {version}) cannot run the syftapi worker; install "
            "syftapi into it, for example with 'PYTHON -m pip install syftapi'"
        )
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if version != mine:
        raise UsageError(
            f"{python!r} runs Python {version} but syftapi runs on {mine}; "
            f"endpoints are pickled per Python version, so use a {mine} interpreter"
        )
    return version


def add(datasite: Datasite, actor: Identity, name: str, python: str) -> dict:
    require_owner(actor, "managing worker pools")
    validate_name(name)
    if name == DEFAULT:
        raise UsageError("'default' is the interpreter running syftapi; pick another name")
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise UsageError(f"{python!r} is not an executable file")
    python = os.path.abspath(python)
    version = _probe(python)
    record = {"name": name, "python": python, "version": version, "created_at": time.time()}
    with datasite.lock():
        if datasite.read("pools", name) is not None:
            raise UsageError(f"worker pool {name!r} already exists")
        datasite.write("pools", name, record)
    return record


def list_pools(datasite: Datasite, actor: Identity) -> list[dict]:
    require_owner(actor, "managing worker pools")
    users: dict[str, list[str]] = {}
    for endpoint in datasite.records("endpoints"):
        users.setdefault(endpoint["worker_pool"] or DEFAULT, []).append(endpoint["path"])
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    rows = [{"name": DEFAULT, "python": sys.executable, "version": version}]
    rows += [
        {"name": r["name"], "python": r["python"], "version": r["version"]}
        for r in datasite.records("pools")
    ]
    for row in rows:
        row["endpoints"] = users.get(row["name"], [])
    return rows


def delete(datasite: Datasite, actor: Identity, name: str, force: bool = False) -> None:
    require_owner(actor, "managing worker pools")
    validate_name(name)
    with datasite.lock():
        if datasite.read("pools", name) is None:
            raise NotFound(f"worker pool {name!r} not found; run 'syftapi pool list'")
        in_use = [
            e["path"] for e in datasite.records("endpoints") if e["worker_pool"] == name
        ]
        if in_use and not force:
            raise UsageError(
                f"worker pool {name!r} is used by {', '.join(in_use)}; move them to "
                "another pool first or pass --force"
            )
        datasite.delete("pools", name)
