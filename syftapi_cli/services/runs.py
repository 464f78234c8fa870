"""Running endpoints: choose the side, check keywords, run a worker, record the job."""

from dataclasses import dataclass

from syftapi_cli.errors import (
    DamagedState,
    EndpointRaised,
    NotFound,
    NotRunnable,
    PermissionDenied,
    SyftapiError,
    UsageError,
)
from syftapi_cli.runtime import launcher
from syftapi_cli.services import endpoints, jobs, pools
from syftapi_cli.services.kwargs import bind_keywords, resolve_deferred
from syftapi_cli.services.redact import redact, secret_values
from syftapi_cli.services.roles import ADMIN, Identity
from syftapi_cli.definitions import format_signature
from syftapi_cli.store import Datasite

MAX_NESTING = 8
_ERROR_TYPES = {2: UsageError, 6: DamagedState}


@dataclass
class RunResult:
    """A finished run: its job id and the result encoded in the requested format."""

    job_id: str
    kind: str
    payload: bytes
    note: str | None = None


def choose_side(record: dict, actor: Identity, side_flag: str | None) -> str:
    """Return `public`, `mock` or `private` for a run of RECORD by ACTOR."""
    path = record["path"]
    if record["private"] is None:
        if side_flag == "private":
            raise UsageError(f"{path!r} is a public endpoint and has no private side")
        return "public"
    if side_flag == "private":
        if not actor.is_owner:
            error = PermissionDenied(
                f"permission denied: only admins and data owners run the private side "
                f"of {path!r}; run --mock, or submit code for approval"
            )
            error.actor, error.action = actor.email, f"running the private side of {path}"
            raise error
        return "private"
    if side_flag == "mock":
        return "mock"
    return "private" if actor.is_owner else "mock"


def _method(record: dict, side: str) -> dict:
    return record["private"] if side == "private" else record["mock"]


def _state_name(path: str, side: str) -> str:
    return f"{path}.{side}"


def _current_code(datasite: Datasite, record: dict, side: str) -> tuple[dict, bytes]:
    """Return the endpoint record and its function blob, read as one consistent pair.

    An update replaces the blob and then deletes the old one, so a blob missing
    right after reading its record means the record changed: read it again.
    """
    for _ in range(5):
        blob = datasite.read_blob("blobs", _method(record, side)["blob"])
        if blob is not None:
            return record, blob
        record = endpoints.get_record(datasite, record["path"])
        if record["private"] is None and side == "private":
            break
    raise DamagedState(
        f"the code of endpoint {record['path']!r} ({side}) is missing; run "
        "'syftapi doctor' or update the endpoint again"
    )


def _request(
    datasite: Datasite, actor: Identity, record: dict, side: str, kwargs: dict, fmt: str
) -> dict:
    record, blob = _current_code(datasite, record, side)
    method = _method(record, side)
    return {
        "blob_bytes": blob,
        "memory_limit_mb": record.get("memory_limit_mb", endpoints.DEFAULT_MEMORY_LIMIT_MB),
        "mode": "call",
        "default_python": pools.default_python,
        "home": str(datasite.root),
        "key": datasite.key,
        "path": record["path"],
        "side": side,
        "blob": method["blob"],
        "settings": method["settings"],
        "kwargs": kwargs,
        "user": actor.as_dict(),
        "admin": {"email": record["created_by"], "name": "admin client", "role": ADMIN},
        "format": fmt,
        "lock_state": not record.get("unlocked_state", False),
        "state_name": _state_name(record["path"], side),
        "source": method["source"],
        "depth": 0,
        "held": (),
    }


def _secrets(record: dict) -> list[str]:
    return secret_values(
        record["mock"]["settings"], record["private"]["settings"] if record["private"] else None
    )


def _raise_for(outcome, record: dict, side: str, actor: Identity, job_id: str, secrets):
    error = outcome.error or {}
    path = record["path"]
    exit_code = error.get("exit_code", 1)
    message = redact(str(error.get("message", "")), secrets)
    if outcome.status == "timed_out":
        raise EndpointRaised(f"endpoint {path!r} {message} (job {job_id})")
    if exit_code in _ERROR_TYPES:
        raise _ERROR_TYPES[exit_code](f"{message} (job {job_id})")
    kind = error.get("type", "Error")
    if error.get("nested"):
        failure = EndpointRaised(f"endpoint {path!r} failed (job {job_id}): {message}")
        if actor.is_owner and error.get("traceback"):
            failure.details = redact(error["traceback"], secrets)
        raise failure
    if error.get("missing_module"):
        raise EndpointRaised(f"{message} (job {job_id})")
    if actor.is_owner or side != "private":
        failure = EndpointRaised(f"endpoint {path!r} raised {kind}: {message} (job {job_id})")
    else:
        failure = EndpointRaised(
            f"endpoint {path!r} raised {kind} (job {job_id}); details are kept "
            "for the data owners"
        )
    if actor.is_owner and error.get("traceback") and not error.get("missing_module"):
        failure.details = redact(error["traceback"], secrets)
    raise failure


def run_endpoint(
    datasite: Datasite,
    actor: Identity,
    path: str,
    side_flag: str | None,
    values: dict,
    fmt: str,
) -> RunResult:
    """Run endpoint PATH as ACTOR with keyword VALUES; return the encoded result.

    Keywords are checked and converted before anything runs. A run that fails
    or times out still records its job.
    """
    record = endpoints.get_record(datasite, path)
    side = choose_side(record, actor, side_flag)
    signature = format_signature(record["parameters"])
    kwargs = bind_keywords(record["parameters"], values, path, signature)
    kwargs = resolve_deferred(kwargs, path, signature)
    python = pools.interpreter(datasite, record["worker_pool"])
    request = _request(datasite, actor, record, side, kwargs, fmt)
    job = jobs.create(datasite, actor, record["path"], None, side)
    request["job_id"] = job["id"]
    secrets = _secrets(record)
    outcome = launcher.run_worker(
        python,
        request,
        record["timeout"],
        jobs.log_path(datasite, job["id"]),
    )
    jobs.finish(datasite, job, outcome, secrets)
    if outcome.status != "completed":
        _raise_for(outcome, record, side, actor, job["id"], secrets)
    return RunResult(job["id"], outcome.kind or fmt, outcome.payload)


def call_nested(
    datasite: Datasite,
    actor: Identity,
    path: str,
    side_flag: str | None,
    values: dict,
    depth: int,
    held: tuple,
    approved_paths: tuple = (),
) -> object:
    """Run endpoint PATH from inside endpoint or user code; return the result itself.

    APPROVED_PATHS lists the inputs of approved user code, whose private side
    the code may reach whatever the caller's role.
    """
    if depth > MAX_NESTING:
        raise UsageError(f"endpoint calls nest deeper than {MAX_NESTING} levels")
    record = endpoints.get_record(datasite, path)
    if path in approved_paths:
        if record["private"] is None:
            side = "public"
        else:
            side = "mock" if side_flag == "mock" else "private"
    else:
        side = choose_side(record, actor, side_flag)
    kwargs = bind_keywords(
        record["parameters"], values, path, format_signature(record["parameters"])
    )
    request = _request(datasite, actor, record, side, kwargs, "pickle")
    request["depth"] = depth
    request["held"] = held
    if request["state_name"] in held:
        # The same method is already running further up this call chain and
        # holds its state lock; waiting for it would deadlock.
        raise UsageError(
            f"endpoint {path!r} ({side}) calls itself while its state is locked; "
            "call a different endpoint or move the shared logic into a helper function"
        )
    python = pools.interpreter(datasite, record["worker_pool"])
    job = jobs.create(datasite, actor, record["path"], None, side)
    secrets = _secrets(record)
    outcome = launcher.run_worker(
        python,
        request,
        record["timeout"],
        jobs.log_path(datasite, job["id"]),
    )
    jobs.finish(datasite, job, outcome, secrets)
    if outcome.status != "completed":
        _raise_for(outcome, record, side, actor, job["id"], secrets)
    from syftapi_cli.runtime import pickling

    return pickling.loads(outcome.payload)


def render_stored(
    datasite: Datasite, kind: str, name: str, what: str, fmt: str, python: str | None = None
) -> bytes:
    """Encode a stored blob (a result or a state) in a worker; return the bytes."""
    request = {
        "mode": "render",
        "home": str(datasite.root),
        "key": datasite.key,
        "kind": kind,
        "name": name,
        "what": what,
        "format": fmt,
    }
    outcome = launcher.run_worker(python or pools.interpreter(datasite, None), request, 120)
    if outcome.status != "completed":
        error = outcome.error or {}
        raise _ERROR_TYPES.get(error.get("exit_code"), SyftapiError)(
            str(error.get("message", "cannot render the stored value"))
        )
    return outcome.payload


def run_code(
    datasite: Datasite, actor: Identity, name: str, values: dict, fmt: str
) -> RunResult:
    """Run ACTOR's approved user code NAME; return the encoded result.

    Code whose run limit is used up returns the result of its last run without
    running anything, with a note saying so.
    """
    from syftapi_cli.services import usercode
    from syftapi_cli.services.roles import require_member

    require_member(actor, "running user code")
    request = usercode.latest_request(datasite, actor, name)
    usercode.check_runnable(datasite, request)
    kwargs = bind_keywords(
        request["parameters"], values, name, format_signature(request["parameters"])
    )
    request, reserved = usercode.reserve_run(datasite, request["id"])
    if not reserved:
        return _stored_code_result(datasite, request, fmt)
    try:
        python = pools.interpreter(datasite, request["worker_pool"])
    except NotFound:
        usercode.settle_run(datasite, request["id"], None, False)
        raise
    job = jobs.create(datasite, actor, None, name, "private")
    secrets = _input_secrets(datasite, request)
    outcome = launcher.run_worker(
        python,
        _code_request(datasite, actor, request, job["id"], kwargs, fmt),
        _code_timeout(datasite, request),
        jobs.log_path(datasite, job["id"]),
    )
    jobs.finish(datasite, job, outcome, secrets)
    completed = outcome.status == "completed"
    usercode.settle_run(datasite, request["id"], job["id"], completed)
    if not completed:
        _raise_for_code(outcome, name, actor, job["id"], secrets)
    return RunResult(job["id"], outcome.kind or fmt, outcome.payload)


def _stored_code_result(datasite: Datasite, request: dict, fmt: str) -> RunResult:
    name, job_id = request["code"], request["result_job"]
    if job_id is None or datasite.read_blob("results", job_id) is None:
        raise NotRunnable(
            f"user code {name!r} has used its {request['run_limit']} run(s) and no result "
            "is stored, because a run failed or is still running; submit it again for "
            "a new approval"
        )
    payload = render_stored(datasite, "results", job_id, f"result of job {job_id}", fmt)
    runs = "once" if request["run_limit"] == 1 else f"{request['run_limit']} times"
    note = f"note: {name!r} may run {runs} and already did; this is the stored result of job {job_id}"
    return RunResult(job_id, fmt, payload, note)


def _input_secrets(datasite: Datasite, request: dict) -> list[str]:
    settings = []
    for path in request["submitted_versions"]:
        record = datasite.read("endpoints", path)
        if record:
            settings.append(record["mock"]["settings"])
            if record["private"]:
                settings.append(record["private"]["settings"])
    return secret_values(*settings)


def _code_timeout(datasite: Datasite, request: dict) -> float:
    """Allow the sum of the input endpoints' timeouts, at least the default 60 s."""
    total = 0.0
    for path in request["submitted_versions"]:
        record = datasite.read("endpoints", path)
        total += record["timeout"] if record else 0
    return max(60.0, total)


def _code_request(
    datasite: Datasite, actor: Identity, request: dict, job_id: str, kwargs: dict, fmt: str
) -> dict:
    return {
        "mode": "usercode",
        "default_python": pools.default_python,
        "home": str(datasite.root),
        "key": datasite.key,
        "job_id": job_id,
        "code": request["code"],
        "source": request["source"],
        "function_name": request["function_name"],
        "inputs": request["inputs"],
        "kwargs": kwargs,
        "user": actor.as_dict(),
        "format": fmt,
    }


def _raise_for_code(outcome, name: str, actor: Identity, job_id: str, secrets) -> None:
    error = outcome.error or {}
    message = redact(str(error.get("message", "")), secrets)
    if outcome.status == "timed_out":
        raise EndpointRaised(f"user code {name!r} {message} (job {job_id})")
    exit_code = error.get("exit_code", 1)
    if exit_code in _ERROR_TYPES:
        raise _ERROR_TYPES[exit_code](f"{message} (job {job_id})")
    kind = error.get("type", "Error")
    if error.get("nested"):
        # The nested run already hid what the caller may not see.
        failure = EndpointRaised(f"user code {name!r} failed (job {job_id}): {message}")
        if actor.is_owner and error.get("traceback"):
            failure.details = redact(error["traceback"], secrets)
        raise failure
    if actor.is_owner:
        failure = EndpointRaised(f"user code {name!r} raised {kind}: {message} (job {job_id})")
        if error.get("traceback"):
            failure.details = redact(error["traceback"], secrets)
        raise failure
    # The message may quote private data, so the submitter gets the type only.
    raise EndpointRaised(
        f"user code {name!r} raised {kind} (job {job_id}); the traceback is kept "
        "for the data owners who review it"
    )
