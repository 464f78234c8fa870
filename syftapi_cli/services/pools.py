"""Worker pools: named Python interpreters that endpoints run in.

A pool is either added (an existing interpreter, registered with `add`) or
created (a virtual environment built inside the datasite, in pools/envs/NAME,
by `pool_environments.create`). Every pool runs the Python minor version that
syftapi runs on, because endpoint functions are stored as pickles that load
only under the minor version that wrote them.

The `default` pool is the interpreter running syftapi and has no record.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import syftapi_cli
from syftapi_cli.errors import NotFound, UsageError
from syftapi_cli.services.roles import Identity, require_owner
from syftapi_cli.store import Datasite

DEFAULT = "default"
ENVIRONMENTS = "envs"
PROBE_TIMEOUT_S = 60
COMMAND_TIMEOUT_S = 300
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
_DELETED_PREFIX = ".deleted-"
# The folder the launcher puts first on the worker's sys.path.
_PACKAGE_PARENT = str(Path(syftapi_cli.__file__).resolve().parent.parent)
# The interpreter of the default pool. Requests to workers carry it, so that
# a worker may set it and start nested runs in the default pool's Python.
# NOTE: the worker does not set it yet, so an endpoint in a pool that calls a
# default-pool endpoint runs that endpoint in the pool's Python.
default_python = sys.executable

# Runs under the candidate interpreter, which may be any Python version, so it
# avoids f-strings and print(). It reports the version first and imports
# nothing of syftapi when the version differs from argv[2].
_PROBE_SCRIPT = """
import sys
sys.stdout.write("version %d.%d\\n" % tuple(sys.version_info[:2]))
sys.stdout.write("executable %s\\n" % sys.executable)
sys.stdout.flush()
if "%d.%d" % tuple(sys.version_info[:2]) != sys.argv[2]:
    sys.exit(0)
sys.path.insert(0, sys.argv[1])
try:
    import cloudpickle
    import syftapi_cli.runtime.worker
except ImportError as error:
    sys.stdout.write("missing %s\\n" % (getattr(error, "name", None) or error))
    sys.exit(0)
sys.stdout.write("cloudpickle %s\\n" % cloudpickle.__version__)
try:
    import pydantic
except ImportError:
    sys.stdout.write("lacks pydantic\\n")
"""

_PACKAGES_SCRIPT = """
import importlib.metadata, json, re, sys
seen = set()
rows = []
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        continue
    seen.add(key)
    rows.append({"name": name, "version": dist.version, "location": str(dist.locate_file(""))})
print(json.dumps({"prefix": sys.prefix, "packages": rows}))
"""


def validate_name(name: str) -> str:
    if (
        not isinstance(name, str)
        or not name
        or len(name) > 64
        or not set(name) <= _NAME_CHARS
        or name[0] == "-"
    ):
        raise UsageError(
            f"invalid pool name {name!r}: use up to 64 lowercase letters, digits, "
            "'_' or '-', not starting with '-'"
        )
    return name


def python_version() -> str:
    """Return the Python minor version running syftapi, such as '3.11'."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def require_pool(datasite: Datasite, name: str | None) -> None:
    """Raise NotFound unless NAME is the default pool or a registered one."""
    if name in (None, DEFAULT):
        return
    if datasite.read("pools", validate_name(name)) is None:
        raise NotFound(
            f"worker pool {name!r} not found; run 'syftapi pool list', or make it "
            f"with 'syftapi pool create {name}' or 'syftapi pool add {name} --python PATH'"
        )


def environment_dir(datasite: Datasite, name: str) -> Path:
    """Return the folder of created pool NAME's virtual environment."""
    return datasite.root / "pools" / ENVIRONMENTS / name


def python_path(datasite: Datasite, record: dict) -> str:
    """Return the executable of pool RECORD, found inside the datasite for a created pool."""
    if record.get("environment"):
        return str(datasite.root / record["environment"] / "bin" / "python")
    return record["python"]


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def interpreter(datasite: Datasite, name: str | None) -> str:
    """Return the Python executable for pool NAME, or raise NotFound if the pool or it is gone."""
    if name in (None, DEFAULT):
        return default_python
    record = datasite.read("pools", name)
    if record is None:
        raise NotFound(
            f"worker pool {name!r} no longer exists; make it again with 'syftapi "
            f"pool create {name}' or 'syftapi pool add {name} --python PATH', or move "
            "the endpoint with 'syftapi endpoint update PATH --worker-pool NAME'"
        )
    python = python_path(datasite, record)
    if not _is_executable(python):
        raise NotFound(
            f"the interpreter of worker pool {name!r} ({python}) is missing; "
            f"delete the pool with 'syftapi pool delete {name} --force' and add or "
            "create it again"
        )
    return python


def child_environment() -> dict:
    """Return the environment for pip and probes: no SYFTAPI_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}


def resolve_executable(python: str, option: str) -> str:
    """Return PYTHON as an absolute path; a bare name is looked up on PATH.

    Symlinks are kept, because Python finds its virtual environment from the
    location of the environment's bin/python symlink.
    """
    if os.sep not in python:
        found = shutil.which(python)
        if found is None:
            raise UsageError(f"invalid {option} {python!r}: no such command on PATH")
        python = found
    if not _is_executable(python):
        raise UsageError(f"invalid {option} {python!r}: not an executable file")
    return os.path.abspath(python)


def run_probe(python: str) -> dict:
    """Run the probe script under PYTHON; return what it reported."""
    command = [python, "-I", "-c", _PROBE_SCRIPT, _PACKAGE_PARENT, python_version()]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"{python!r} did not finish a version check within {PROBE_TIMEOUT_S} s"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot run {python!r}: {error.strerror or error}") from None
    report: dict = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        report[key] = value.strip()
    if "version" not in report:
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[0].strip() if lines else f"exit code {done.returncode}, no output"
        raise UsageError(
            f"{python!r} failed the version check, so it is not a working Python "
            f"{python_version()} interpreter: {reason}"
        )
    return report


def check_version(python: str, report: dict) -> str:
    """Return the interpreter's version, or raise UsageError unless it matches syftapi's."""
    version = report["version"]
    mine = python_version()
    if version != mine:
        raise UsageError(
            f"{python!r} runs Python {version} but syftapi runs on Python {mine}; "
            "endpoints are stored as pickles that load only under the Python minor "
            f"version that wrote them, so use a Python {mine} interpreter"
        )
    return version


def probe(python: str) -> dict:
    """Check that PYTHON can run the syftapi worker, and return its version and notes.

    The check imports the worker the way the launcher does, with syftapi's
    package folder first on sys.path, so the interpreter itself needs only
    syftapi's dependencies, of which the worker imports cloudpickle.
    """
    report = run_probe(python)
    version = check_version(python, report)
    if "missing" in report:
        module = report["missing"]
        raise UsageError(
            f"{python!r} (Python {version}) cannot run the syftapi worker because "
            f"module {module!r} is missing; install it with '{python} -m pip install "
            f"{module}', or build a pool that shares syftapi's packages with "
            "'syftapi pool create NAME'"
        )
    notes = []
    import cloudpickle

    if report.get("cloudpickle") != cloudpickle.__version__:
        notes.append(
            f"cloudpickle {report.get('cloudpickle')} differs from syftapi's "
            f"{cloudpickle.__version__}; functions pickled by one may fail to load in "
            "the other"
        )
    if "lacks" in report:
        notes.append(
            "pydantic is missing, so endpoints whose parameters use annotations "
            "beyond the built-in types fail there"
        )
    return {
        "version": version,
        "cloudpickle": report.get("cloudpickle"),
        "executable": report.get("executable") or python,
        "notes": notes,
    }


def add(datasite: Datasite, actor: Identity, name: str, python: str) -> dict:
    """Register the existing interpreter PYTHON as pool NAME, and return the record.

    The record also carries `notes`: warnings about the interpreter that do not
    stop the pool from working.
    """
    require_owner(actor, "managing worker pools")
    validate_name(name)
    if name == DEFAULT:
        raise UsageError("'default' is the interpreter running syftapi; pick another name")
    python = resolve_executable(python, "--python")
    checked = probe(python)
    # A launcher script, such as a pyenv shim, picks its interpreter anew on
    # every start, so the pool keeps the interpreter that the probe ran in.
    if _is_executable(checked["executable"]):
        python = checked["executable"]
    record = {
        "name": name,
        "kind": "added",
        "python": python,
        "version": checked["version"],
        "cloudpickle": checked["cloudpickle"],
        "created_by": actor.email,
        "created_at": time.time(),
    }
    with datasite.lock():
        if datasite.read("pools", name) is not None:
            raise UsageError(f"worker pool {name!r} already exists")
        datasite.write("pools", name, record)
    return {**record, "notes": checked["notes"]}


def run_checked(command: list[str], what: str) -> str:
    """Run COMMAND and return its stdout, or raise UsageError naming WHAT with its last error line."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"{what} failed: {error}") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        raise UsageError(f"{what} failed: {lines[-1]}")
    return done.stdout


# Listing, showing and deleting


def _endpoints_by_pool(datasite: Datasite) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for endpoint in datasite.records("endpoints"):
        users.setdefault(endpoint["worker_pool"] or DEFAULT, []).append(endpoint["path"])
    return users


def _default_record() -> dict:
    import cloudpickle

    return {
        "name": DEFAULT,
        "kind": "default",
        "python": default_python,
        "version": python_version(),
        "cloudpickle": cloudpickle.__version__,
    }


def _summary(datasite: Datasite, record: dict, users: dict[str, list[str]]) -> dict:
    python = python_path(datasite, record)
    return {
        "name": record["name"],
        "kind": record.get("kind", "added"),
        "python": python,
        "version": record["version"],
        "status": "ready" if _is_executable(python) else "interpreter missing",
        "endpoints": users.get(record["name"], []),
    }


def list_pools(datasite: Datasite, actor: Identity) -> list[dict]:
    """Return one summary per pool, the default pool first."""
    require_owner(actor, "managing worker pools")
    users = _endpoints_by_pool(datasite)
    records = [_default_record(), *datasite.records("pools")]
    return [_summary(datasite, record, users) for record in records]


def _installed_packages(python: str) -> dict:
    """List the distributions PYTHON imports, each once, in sys.path order."""
    output = run_checked([python, "-I", "-c", _PACKAGES_SCRIPT], "listing the pool's packages")
    try:
        return json.loads(output)
    except ValueError:
        raise UsageError("listing the pool's packages failed: unreadable output") from None


def show(datasite: Datasite, actor: Identity, name: str, include_shared: bool = False) -> dict:
    """Return pool NAME's details and installed packages.

    Packages are those installed inside the pool's own prefix, unless
    INCLUDE_SHARED also lists those it reaches from elsewhere, such as
    syftapi's environment for a created pool.
    """
    record = get(datasite, actor, name)
    details = _summary(datasite, record, _endpoints_by_pool(datasite))
    details["cloudpickle"] = record.get("cloudpickle")
    for key in ("base", "requirements_file", "requirements", "created_by"):
        if key in record:
            details[key] = record[key]
    if record.get("environment"):
        details["environment"] = str(datasite.root / record["environment"])
    if "created_at" in record:
        details["created_at"] = record["created_at"]
    if details["status"] != "ready":
        details["packages"] = None
        return details
    listing = _installed_packages(details["python"])
    prefix = os.path.join(listing["prefix"], "")
    packages = []
    for package in listing["packages"]:
        in_pool = os.path.join(package["location"], "").startswith(prefix)
        if in_pool or include_shared:
            packages.append({**package, "in_pool": in_pool})
    details["packages"] = sorted(packages, key=lambda p: p["name"].lower())
    return details


def get(datasite: Datasite, actor: Identity, name: str) -> dict:
    """Return the record of pool NAME, or raise NotFound."""
    require_owner(actor, "managing worker pools")
    if name == DEFAULT:
        return _default_record()
    record = datasite.read("pools", validate_name(name))
    if record is None:
        raise NotFound(f"worker pool {name!r} not found; run 'syftapi pool list'")
    return record


def _remove_environment(moved: Path) -> None:
    """Remove MOVED and any folder an earlier, interrupted delete left beside it."""
    for folder in [moved, *moved.parent.glob(f"{_DELETED_PREFIX}*")]:
        shutil.rmtree(folder, ignore_errors=True)


def delete(datasite: Datasite, actor: Identity, name: str, force: bool = False) -> list[str]:
    """Delete pool NAME and a created pool's environment, and return the endpoints that used it.

    A pool that endpoints use is kept unless FORCE. With FORCE, those
    endpoints fail to run until they move to another pool.
    """
    require_owner(actor, "managing worker pools")
    validate_name(name)
    if name == DEFAULT:
        raise UsageError("the default pool is the interpreter running syftapi and cannot be deleted")
    moved = None
    with datasite.lock():
        record = datasite.read("pools", name)
        if record is None:
            raise NotFound(f"worker pool {name!r} not found; run 'syftapi pool list'")
        in_use = _endpoints_by_pool(datasite).get(name, [])
        if in_use and not force:
            raise UsageError(
                f"worker pool {name!r} is used by endpoints {', '.join(in_use)}; move "
                "each with 'syftapi endpoint update PATH --worker-pool NAME' first, or "
                "pass --force"
            )
        datasite.delete("pools", name)
        if record.get("environment"):
            folder = datasite.root / record["environment"]
            if folder.exists():
                # Renaming under the lock frees the name at once, and the slow
                # removal of the files happens after the lock is released.
                moved = folder.with_name(f"{_DELETED_PREFIX}{name}-{secrets.token_hex(4)}")
                os.replace(folder, moved)
    if moved is not None:
        _remove_environment(moved)
    return in_use
