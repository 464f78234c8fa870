"""User code and its requests: submit, review, and run approved code.

Each submission of a changed function is a new version with its own request.
A request records the source, the inputs, who asked, and for each input
endpoint the version of its code at submission and at approval. Approved
code runs from that source; if an input endpoint changed after approval, the
code is not runnable until a data owner approves the request again.
"""

import hashlib
import inspect
import json
import time

from syftapi_cli.errors import NotFound, NotRunnable, UsageError
from syftapi_cli.services import audit, endpoints, pools
from syftapi_cli.services.roles import Identity, require_member, require_owner
from syftapi_cli.store import Datasite, hash_name, new_id
from syftapi_cli.usercode import UserCode

STATUSES = ("pending", "approved", "denied", "withdrawn")


def _code_key(email: str, name: str) -> str:
    return f"{hash_name(email)[:16]}.{name}"


def endpoint_version(record: dict) -> int:
    """Return the version of the code that an input reaches: private, or the public function."""
    method = record["private"] or record["mock"]
    return method["version"]


def _parameters(code: UserCode) -> list[dict]:
    from syftapi_cli.definitions import _annotation_text

    described = []
    for param in inspect.signature(code.func).parameters.values():
        if param.name in code.inputs:
            continue
        has_default = param.default is not inspect.Parameter.empty
        described.append(
            {
                "name": param.name,
                "annotation": _annotation_text(param.annotation),
                "required": not has_default,
                "default": repr(param.default) if has_default else None,
            }
        )
    return described


def _code_hash(code: UserCode) -> str:
    material = json.dumps(
        [code.source, code.function_name, code.inputs, code.run_limit, code.worker_pool_name],
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _check_inputs(datasite: Datasite, code: UserCode) -> dict[str, int]:
    versions = {}
    for name, spec in code.inputs.items():
        if "constant" in spec:
            try:
                json.dumps(spec["constant"], allow_nan=False)
            except (TypeError, ValueError):
                raise UsageError(
                    f"input {name!r}: constants must be JSON values, not "
                    f"{type(spec['constant']).__name__}"
                ) from None
            continue
        path = spec["endpoint"]
        try:
            record = endpoints.get_record(datasite, path)
        except NotFound:
            raise NotFound(
                f"input {name!r} of {code.name!r} names endpoint {path!r}, which does "
                "not exist; run 'syftapi endpoint list'"
            ) from None
        versions[path] = endpoint_version(record)
    return versions


def submit(datasite: Datasite, actor: Identity, code: UserCode) -> tuple[dict, bool]:
    """Store CODE as a new version with a pending request; return it and whether it is new.

    Submitting the same code again returns the existing request.
    """
    require_member(actor, "submitting code")
    pools.require_pool(datasite, code.worker_pool_name)
    versions = _check_inputs(datasite, code)
    digest = _code_hash(code)
    key = _code_key(actor.email, code.name)
    with datasite.lock():
        index = datasite.read("code", key) or {"name": code.name, "owner": actor.email, "requests": []}
        for request_id in index["requests"]:
            existing = datasite.read("requests", request_id)
            if existing and existing["code_hash"] == digest and existing["status"] != "withdrawn":
                # Code reverted to an earlier version makes that version current again.
                index["requests"].remove(request_id)
                index["requests"].append(request_id)
                datasite.write("code", key, index)
                return existing, False
        request = {
            "id": new_id(),
            "code": code.name,
            "requested_by": actor.email,
            "created_at": time.time(),
            "status": "pending",
            "reason": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "version": len(index["requests"]) + 1,
            "code_hash": digest,
            "source": code.source,
            "function_name": code.function_name,
            "inputs": code.inputs,
            "parameters": _parameters(code),
            "run_limit": code.run_limit,
            "worker_pool": code.worker_pool_name,
            "submitted_versions": versions,
            "approved_versions": None,
            "runs": 0,
            "result_job": None,
        }
        datasite.write("requests", request["id"], request)
        index["requests"].append(request["id"])
        datasite.write("code", key, index)
    return request, True


def latest_request(datasite: Datasite, actor: Identity, name: str) -> dict:
    """Return the newest version of ACTOR's code NAME; others' code is not found."""
    index = datasite.read("code", _code_key(actor.email, name)) if name.isidentifier() else None
    request = None
    if index is not None and index["requests"]:
        request = datasite.read("requests", index["requests"][-1])
    if request is None:
        hint = "; add --user EMAIL for another user's code" if actor.is_owner else ""
        raise NotFound(
            f"user code {name!r} of {actor.email} not found; run 'syftapi code list'{hint}"
        )
    return request


def _visible_requests(datasite: Datasite, actor: Identity) -> list[dict]:
    requests = list(datasite.records("requests"))
    if not actor.is_owner:
        requests = [r for r in requests if r["requested_by"] == actor.email]
    return sorted(requests, key=lambda r: r["created_at"], reverse=True)


def changed_inputs(datasite: Datasite, request: dict) -> list[str]:
    """Describe input endpoints that changed since approval, or were deleted."""
    changes = []
    # Versions restart at 1 when a path is deleted and added again, so the
    # record's creation time distinguishes a new endpoint from the approved one.
    approved_created = request.get("approved_endpoints") or {}
    for path, approved in (request["approved_versions"] or {}).items():
        record = datasite.read("endpoints", path)
        if record is None:
            changes.append(f"{path} was deleted")
        elif approved_created.get(path, record["created_at"]) != record["created_at"]:
            changes.append(f"{path} was deleted and added again")
        elif endpoint_version(record) != approved:
            changes.append(f"{path} changed (version {approved} to {endpoint_version(record)})")
    return changes


def list_code(datasite: Datasite, actor: Identity) -> list[dict]:
    """Return the newest version of each code: one's own, or everyone's for data owners."""
    require_member(actor, "listing code")
    newest: dict[tuple, dict] = {}
    for request in _visible_requests(datasite, actor):
        newest.setdefault((request["requested_by"], request["code"]), request)
    return [summary(datasite, r) for r in newest.values()]


def summary(datasite: Datasite, request: dict) -> dict:
    status = request["status"]
    if status == "approved" and changed_inputs(datasite, request):
        status = "approved (inputs changed)"
    return {
        "id": request["id"],
        "code": request["code"],
        "version": request["version"],
        "requested_by": request["requested_by"],
        "status": status,
        "inputs": ", ".join(
            f"{k}={v['endpoint']}" if "endpoint" in v else f"{k}={v['constant']!r}"
            for k, v in request["inputs"].items()
        ),
        "runs": request["runs"],
        "run_limit": request["run_limit"],
        "created_at": request["created_at"],
    }


def show_code(datasite: Datasite, actor: Identity, name: str, owner: str | None = None) -> dict:
    require_member(actor, "showing code")
    if owner and owner.lower() != actor.email:
        require_owner(actor, "showing another user's code")
        actor_for_lookup = Identity(owner.lower(), "", "data_scientist")
    else:
        actor_for_lookup = actor
    request = latest_request(datasite, actor_for_lookup, name)
    return detail(datasite, request)


def detail(datasite: Datasite, request: dict) -> dict:
    current = {}
    for path in request["submitted_versions"]:
        record = datasite.read("endpoints", path)
        current[path] = endpoint_version(record) if record else None
    return {
        **summary(datasite, request),
        "reason": request["reason"],
        "reviewed_by": request["reviewed_by"],
        "source": request["source"],
        "input_versions": {
            path: {
                "submitted": request["submitted_versions"][path],
                "approved": (request["approved_versions"] or {}).get(path),
                "current": current[path],
            }
            for path in request["submitted_versions"]
        },
    }


def withdraw(datasite: Datasite, actor: Identity, name: str) -> dict:
    require_member(actor, "withdrawing code")
    with datasite.lock():
        request = latest_request(datasite, actor, name)
        if request["status"] != "pending":
            raise UsageError(
                f"request {request['id']} for {name!r} is {request['status']}; only "
                "pending requests can be withdrawn"
            )
        request["status"] = "withdrawn"
        datasite.write("requests", request["id"], request)
    return request


# Reviewing


def list_requests(datasite: Datasite, actor: Identity, status: str | None) -> list[dict]:
    require_member(actor, "listing requests")
    if status is not None and status not in STATUSES:
        raise UsageError(f"invalid status {status!r}; choose one of {', '.join(STATUSES)}")
    rows = []
    for request in _visible_requests(datasite, actor):
        if status is None or request["status"] == status:
            rows.append(summary(datasite, request))
    return rows


def get_request(datasite: Datasite, actor: Identity, request_id: str) -> dict:
    request = None
    if request_id and len(request_id) <= 32 and all(c in "0123456789abcdef" for c in request_id):
        request = datasite.read("requests", request_id)
    if request is None or (not actor.is_owner and request["requested_by"] != actor.email):
        raise NotFound(f"request {request_id!r} not found; run 'syftapi requests list'")
    return request


def newest_pending(datasite: Datasite, actor: Identity) -> dict:
    require_owner(actor, "approving requests")
    pending = [r for r in _visible_requests(datasite, actor) if r["status"] == "pending"]
    if not pending:
        raise NotFound("no pending requests")
    return pending[0]


def _reviewable(request: dict, datasite: Datasite) -> None:
    stale = request["status"] == "approved" and changed_inputs(datasite, request)
    if request["status"] != "pending" and not stale:
        raise UsageError(
            f"request {request['id']} is {request['status']}, not pending; nothing to review"
        )


def approve(datasite: Datasite, actor: Identity, request_id: str) -> dict:
    """Approve a pending request (or re-approve one whose inputs changed)."""
    require_owner(actor, "approving requests")
    with datasite.lock():
        request = get_request(datasite, actor, request_id)
        _reviewable(request, datasite)
        versions, created = {}, {}
        for path in request["submitted_versions"]:
            record = datasite.read("endpoints", path)
            if record is None:
                raise NotFound(
                    f"input endpoint {path!r} of request {request['id']} was deleted; "
                    "deny the request instead"
                )
            versions[path] = endpoint_version(record)
            created[path] = record["created_at"]
        request.update(
            status="approved",
            reason=None,
            reviewed_by=actor.email,
            reviewed_at=time.time(),
            approved_versions=versions,
            approved_endpoints=created,
        )
        datasite.write("requests", request["id"], request)
    audit.record(datasite, actor.email, "approve request", f"{request['id']} ({request['code']} by {request['requested_by']})")
    return request


def deny(datasite: Datasite, actor: Identity, request_id: str, reason: str) -> dict:
    require_owner(actor, "denying requests")
    reason = reason.strip()
    if not reason:
        raise UsageError("--reason must not be empty")
    with datasite.lock():
        request = get_request(datasite, actor, request_id)
        _reviewable(request, datasite)
        request.update(status="denied", reason=reason, reviewed_by=actor.email, reviewed_at=time.time())
        datasite.write("requests", request["id"], request)
    audit.record(datasite, actor.email, "deny request", f"{request['id']} ({request['code']} by {request['requested_by']})")
    return request


# Running


def check_runnable(datasite: Datasite, request: dict) -> None:
    """Raise unless REQUEST's code may run now."""
    name, request_id = request["code"], request["id"]
    if request["status"] == "pending":
        raise NotRunnable(
            f"user code {name!r} awaits approval (request {request_id}); a data owner "
            "must run 'syftapi requests approve'"
        )
    if request["status"] == "denied":
        raise NotRunnable(
            f"user code {name!r} was denied by {request['reviewed_by']}: {request['reason']}"
        )
    if request["status"] == "withdrawn":
        raise NotRunnable(f"user code {name!r} was withdrawn; submit it again")
    for path in request["approved_versions"] or {}:
        if datasite.read("endpoints", path) is None:
            raise NotFound(
                f"input endpoint {path!r} of user code {name!r} was deleted; the code "
                "cannot run"
            )
    changes = changed_inputs(datasite, request)
    if changes:
        raise NotRunnable(
            f"user code {name!r} cannot run: {'; '.join(changes)} since approval; a data "
            f"owner must approve request {request_id} again"
        )


def reserve_run(datasite: Datasite, request_id: str) -> tuple[dict, bool]:
    """Take one run from the request's limit; return it and False when none is left."""
    with datasite.lock():
        request = datasite.read("requests", request_id)
        limit = request["run_limit"]
        if limit is not None and request["runs"] >= limit:
            return request, False
        request["runs"] += 1
        datasite.write("requests", request_id, request)
    return request, True


def settle_run(datasite: Datasite, request_id: str, job_id: str | None, completed: bool) -> None:
    """Keep the job's result for later runs, or give the run back if no worker started.

    A run that started and failed keeps its place in the limit, because it
    may have reached the private data. Otherwise code that raises on purpose
    could run on private data any number of times.
    """
    with datasite.lock():
        request = datasite.read("requests", request_id)
        if completed:
            request["result_job"] = job_id
        elif job_id is None:
            request["runs"] = max(0, request["runs"] - 1)
        datasite.write("requests", request_id, request)
