"""The endpoint registry: add, update, delete, list and show endpoints."""

import json
import secrets
import time
from types import ModuleType

from syftapi_cli.definitions import (
    Endpoint,
    EndpointMethod,
    format_signature,
    validate_path,
    validate_timeout,
)
from syftapi_cli.errors import DefinitionError, NotFound, UsageError
from syftapi_cli.runtime import pickling
from syftapi_cli.services import audit, pools
from syftapi_cli.services.roles import Identity, require_owner
from syftapi_cli.store import Datasite

SIDES = ("mock", "private")
MASK = "***"
DEFAULT_MEMORY_LIMIT_MB = 4096
MIN_MEMORY_MB = 256
MAX_MEMORY_MB = 1024 * 1024


def get_record(datasite: Datasite, path: str) -> dict:
    """Return the record of endpoint PATH, or raise NotFound naming the next step."""
    try:
        validate_path(path)
    except DefinitionError as error:
        raise UsageError(str(error)) from None
    record = datasite.read("endpoints", path)
    if record is None:
        raise NotFound(
            f"endpoint {path!r} not found; run 'syftapi endpoint list' to see the "
            "available paths"
        )
    return record


def _check_settings(settings: object, where: str) -> dict:
    if not isinstance(settings, dict):
        raise UsageError(f"{where}: settings must be a JSON object")
    try:
        json.dumps(settings, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise UsageError(f"{where}: settings must be JSON values: {error}") from None
    return settings


def _store_method(
    datasite: Datasite,
    path: str,
    side: str,
    method: EndpointMethod,
    module: ModuleType | None,
    version: int,
) -> dict:
    """Pickle METHOD's function and helpers into a signed blob; return its record."""
    settings = _check_settings(method.settings, f"{path} ({side})")
    blob_name = f"{path}.{side}.{secrets.token_hex(4)}"
    payload = pickling.dumps_function(method.func, method.helper_functions, module)
    datasite.write_blob("blobs", blob_name, pickling.sign(datasite.key, payload, "function"))
    return {
        "name": method.name,
        "source": method.source,
        "blob": blob_name,
        "settings": settings,
        "helpers": [
            {"name": h.__name__, "source": pickling.source_of(h)}
            for h in method.helper_functions
        ],
        "version": version,
        "updated_at": time.time(),
    }


def _trial_load(datasite: Datasite, worker_pool: str | None, methods: list[tuple]) -> None:
    """Unpickle the new blobs in a clean worker, so that a missing import fails now.

    METHODS holds (path, side, method record) triples. Imports inside a
    function body run only when it is called, so no trial load can see them.
    """
    from syftapi_cli.runtime import launcher

    request = {
        "mode": "trial",
        "home": str(datasite.root),
        "key": datasite.key,
        "format": "none",
        "blobs": [(m["blob"], f"endpoint {path} ({side})") for path, side, m in methods],
    }
    outcome = launcher.run_worker(pools.interpreter(datasite, worker_pool), request, 120)
    if outcome.status != "completed":
        message = (outcome.error or {}).get("message", "the worker failed")
        raise UsageError(
            f"{message}; make the module importable in the worker's Python, or "
            "keep the code it needs in the endpoint's own file"
        )


def add(
    datasite: Datasite, actor: Identity, endpoints: list[Endpoint], module: ModuleType
) -> list[str]:
    """Register ENDPOINTS; all or none of them are added."""
    require_owner(actor, "adding endpoints")
    paths = [e.path for e in endpoints]
    if len(set(paths)) != len(paths):
        raise UsageError("the target defines the same endpoint path twice")
    for endpoint in endpoints:
        pools.require_pool(datasite, endpoint.worker_pool)
    with datasite.lock():
        for endpoint in endpoints:
            if datasite.read("endpoints", endpoint.path) is not None:
                raise UsageError(
                    f"endpoint {endpoint.path!r} already exists; use 'syftapi "
                    "endpoint update' to change it or delete it first"
                )
    records = []
    for endpoint in endpoints:
        now = time.time()
        record = {
            "path": endpoint.path,
            "description": endpoint.description,
            "worker_pool": endpoint.worker_pool,
            "timeout": endpoint.endpoint_timeout,
            "hide_mock_definition": endpoint.hide_mock_definition,
            "parameters": endpoint.mock.parameters,
            "created_by": actor.email,
            "created_at": now,
            "updated_at": now,
            "mock": _store_method(datasite, endpoint.path, "mock", endpoint.mock, module, 1),
            "private": (
                _store_method(datasite, endpoint.path, "private", endpoint.private, module, 1)
                if endpoint.private is not None
                else None
            ),
        }
        records.append(record)
    try:
        for record in records:
            methods = [
                (record["path"], side if record["private"] else "public", record[side])
                for side in SIDES
                if record[side]
            ]
            _trial_load(datasite, record["worker_pool"], methods)
    except UsageError:
        _drop_blobs(datasite, records)
        raise
    with datasite.lock():
        clash = [r["path"] for r in records if datasite.read("endpoints", r["path"])]
        if clash:
            _drop_blobs(datasite, records)
            raise UsageError(f"endpoint {clash[0]!r} already exists")
        for record in records:
            datasite.write("endpoints", record["path"], record)
    for path in paths:
        audit.record(datasite, actor.email, "add endpoint", path)
    return paths


def _drop_blobs(datasite: Datasite, records: list[dict]) -> None:
    for record in records:
        for side in SIDES:
            if record.get(side):
                datasite.delete_blob("blobs", record[side]["blob"])


def update(
    datasite: Datasite,
    actor: Identity,
    path: str,
    *,
    mock: tuple[EndpointMethod, ModuleType] | None = None,
    private: tuple[EndpointMethod, ModuleType] | None = None,
    hide_mock_definition: bool | None = None,
    timeout: float | None = None,
    description: str | None = None,
    mock_settings: dict | None = None,
    private_settings: dict | None = None,
    worker_pool: str | None = None,
    memory_limit_mb: int | None = None,
    state_lock: bool | None = None,
) -> dict:
    """Change parts of endpoint PATH; its state is kept."""
    require_owner(actor, "updating endpoints")
    current = get_record(datasite, path)
    is_public = current["private"] is None
    if is_public and (private is not None or private_settings is not None):
        raise UsageError(
            f"{path!r} is a public endpoint and has no private side; use --mock "
            "and --mock-settings"
        )
    if timeout is not None:
        try:
            timeout = validate_timeout(timeout)
        except DefinitionError as error:
            raise UsageError(f"invalid --timeout: {error}") from None
    if worker_pool is not None:
        pools.require_pool(datasite, worker_pool)
    if memory_limit_mb is not None and not MIN_MEMORY_MB <= memory_limit_mb <= MAX_MEMORY_MB:
        raise UsageError(
            f"invalid --memory-limit {memory_limit_mb}: use {MIN_MEMORY_MB} to "
            f"{MAX_MEMORY_MB} MB"
        )
    for settings, side in ((mock_settings, "mock"), (private_settings, "private")):
        if settings is not None:
            _check_settings(settings, f"{path} ({side})")
    new_parameters = {
        side: pair[0].parameters for side, pair in (("mock", mock), ("private", private)) if pair
    }
    expected = current["parameters"]
    for side, parameters in new_parameters.items():
        other = "private" if side == "mock" else "mock"
        if is_public or other in new_parameters:
            continue
        if parameters != expected:
            raise UsageError(
                f"the new {side} function's signature {format_signature(parameters)} "
                f"differs from the endpoint's {format_signature(expected)}"
            )
    if "mock" in new_parameters and "private" in new_parameters:
        if new_parameters["mock"] != new_parameters["private"]:
            raise UsageError("the new mock and private functions' signatures differ")

    new_methods = {}
    for side, pair in (("mock", mock), ("private", private)):
        if pair is not None:
            method, module = pair
            version = current[side]["version"] + 1
            new_methods[side] = _store_method(datasite, path, side, method, module, version)
    # New code loads in the pool it will run in; a move to another pool
    # trial-loads the code that stays, too.
    to_load = dict(new_methods)
    if worker_pool is not None:
        for side in ("mock", "private"):
            if current.get(side) and side not in to_load:
                to_load[side] = current[side]
    if to_load:
        pool = worker_pool if worker_pool is not None else current["worker_pool"]
        try:
            _trial_load(datasite, pool, [(path, side, m) for side, m in to_load.items()])
        except UsageError:
            _drop_blobs(datasite, [new_methods])
            raise

    with datasite.lock():
        record = datasite.read("endpoints", path)
        if record is None:
            _drop_blobs(datasite, [new_methods])
            raise NotFound(f"endpoint {path!r} was deleted meanwhile")
        replaced = []
        for side, method_record in new_methods.items():
            replaced.append(record[side]["blob"])
            record[side] = method_record
            record["parameters"] = new_parameters[side]
        for side, settings in (("mock", mock_settings), ("private", private_settings)):
            if settings is not None:
                record[side]["settings"] = settings
                record[side]["version"] += 1
        if hide_mock_definition is not None:
            record["hide_mock_definition"] = hide_mock_definition
        if timeout is not None:
            record["timeout"] = timeout
        if description is not None:
            record["description"] = description
        if memory_limit_mb is not None:
            record["memory_limit_mb"] = memory_limit_mb
        if state_lock is not None:
            record["unlocked_state"] = not state_lock
        if worker_pool is not None:
            record["worker_pool"] = None if worker_pool == pools.DEFAULT else worker_pool
        record["updated_at"] = time.time()
        datasite.write("endpoints", path, record)
    for blob in replaced:
        datasite.delete_blob("blobs", blob)
    audit.record(datasite, actor.email, "update endpoint", path)
    return record


def delete(datasite: Datasite, actor: Identity, path: str) -> None:
    require_owner(actor, "deleting endpoints")
    with datasite.lock():
        record = get_record(datasite, path)
        datasite.delete("endpoints", path)
    _drop_blobs(datasite, [record])
    for side in ("public", *SIDES):
        datasite.delete_blob("state", f"{path}.{side}")
    audit.record(datasite, actor.email, "delete endpoint", path)


def _summary(record: dict) -> dict:
    return {
        "path": record["path"],
        "description": record["description"],
        "access": "public" if record["private"] is None else "twin",
        "worker_pool": record["worker_pool"] or pools.DEFAULT,
        "timeout": record["timeout"],
        "memory_limit_mb": record.get("memory_limit_mb", DEFAULT_MEMORY_LIMIT_MB),
        "state_lock": not record.get("unlocked_state", False),
        "signature": format_signature(record["parameters"]),
        "mock_function": record["mock"]["name"],
        "private_function": record["private"]["name"] if record["private"] else None,
    }


def list_endpoints(datasite: Datasite, actor: Identity) -> list[dict]:
    """Return one summary per endpoint; every role may list them."""
    return [_summary(record) for record in datasite.records("endpoints")]


def masked_settings(settings: dict, show_secrets: bool) -> dict:
    if show_secrets:
        return settings
    return {key: MASK for key in settings}


def _code_view(method: dict) -> dict:
    return {
        "function": method["name"],
        "source": method["source"],
        "helpers": method["helpers"],
    }


def show(datasite: Datasite, actor: Identity, path: str, show_secrets: bool = False) -> dict:
    """Return what ACTOR may see of endpoint PATH.

    Admins and data owners see all code and the settings keys, with values
    masked unless SHOW_SECRETS. Everyone else sees the mock code unless it is
    hidden, and never private code, settings or state.
    """
    record = get_record(datasite, path)
    if show_secrets:
        require_owner(actor, "showing settings values")
    twin = record["private"] is not None
    sees_mock = actor.is_owner or not record["hide_mock_definition"]
    view = {
        **_summary(record),
        "hide_mock_definition": record["hide_mock_definition"],
        "created_by": record["created_by"],
        "updated_at": record["updated_at"],
        "mock_code": record["mock"]["source"] if sees_mock else None,
        "private_code": record["private"]["source"] if twin and actor.is_owner else None,
        "mock_helpers": record["mock"]["helpers"] if sees_mock else None,
        "private_helpers": record["private"]["helpers"] if twin and actor.is_owner else None,
    }
    if actor.is_owner:
        view["mock_settings"] = masked_settings(record["mock"]["settings"], show_secrets)
        view["private_settings"] = (
            masked_settings(record["private"]["settings"], show_secrets) if twin else None
        )
    return view
