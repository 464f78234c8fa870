"""Running endpoints: choose the side, check keywords, run a worker, record the job."""

from dataclasses import dataclass

from syftapi_cli.errors import (
    DamagedState,
    EndpointRaised,
    PermissionDenied,
    SyftapiError,
    UsageError,
)
from syftapi_cli.runtime import launcher
from syftapi_cli.services import endpoints, jobs, pools
from syftapi_cli.services.kwargs import bind_keywords
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


def choose_side(record: dict, actor: Identity, side_flag: str | None) -> str:
    """Return `public`, `mock` or `private` for a run of RECORD by ACTOR."""
    path = record["path"]
    if record["private"] is None:
        if side_flag == "private":
            raise UsageError(f"{path!r} is a public endpoint and has no private side")
        return "public"
    if side_flag == "private":
        if not actor.is_owner:
            raise PermissionDenied(
                f"permission denied: only admins and data owners run the private side "
                f"of {path!r}; run --mock, or submit code for approval"
            )
        return "private"
    if side_flag == "mock":
        return "mock"
    return "private" if actor.is_owner else "mock"


def _method(record: dict, side: str) -> dict:
    return record["private"] if side == "private" else record["mock"]


def _state_name(path: str, side: str) -> str:
    return f"{path}.{side}"


def _request(
    datasite: Datasite, actor: Identity, record: dict, side: str, kwargs: dict, fmt: str
) -> dict:
    method = _method(record, side)
    return {
        "mode": "call",
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
    if actor.is_owner or side != "private":
        failure = EndpointRaised(f"endpoint {path!r} raised {kind}: {message} (job {job_id})")
    else:
        failure = EndpointRaised(
            f"endpoint {path!r} raised {kind} (job {job_id}); details are kept "
            "for the data owners"
        )
    if actor.is_owner and error.get("traceback"):
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
    python = pools.interpreter(datasite, record["worker_pool"])
    job = jobs.create(datasite, actor, record["path"], None, side)
    secrets = _secrets(record)
    outcome = launcher.run_worker(
        python,
        _request(datasite, actor, record, side, kwargs, fmt),
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
) -> object:
    """Run endpoint PATH from inside endpoint code; return the result itself."""
    if depth > MAX_NESTING:
        raise UsageError(f"endpoint calls nest deeper than {MAX_NESTING} levels")
    record = endpoints.get_record(datasite, path)
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
    job = jobs.create(datasite, actor, record["path"], None, side)
    secrets = _secrets(record)
    outcome = launcher.run_worker(
        pools.interpreter(datasite, record["worker_pool"]),
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
