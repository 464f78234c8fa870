"""Field types of each record kind, checked when a record is read.

A record edited by hand or written by a foreign tool may be valid JSON with
a current schema version and still hold a string where a number belongs.
Checking the fields that commands rely on turns that into a damaged-record
error naming the file, instead of an internal error in whichever command
reads it first.
"""

NUMBER = (int, float)
OPTIONAL_TEXT = (str, type(None))
OPTIONAL_NUMBER = (int, float, type(None))

_METHOD = {"blob": str, "settings": dict, "source": str, "version": int}

# kind: {field: allowed types}. Fields not listed are not checked.
FIELDS: dict[str, dict[str, type | tuple]] = {
    "users": {"email": str, "name": str, "role": str, "password_hash": str},
    "tokens": {"email": str, "name": str, "kind": str, "expires_at": OPTIONAL_NUMBER},
    "endpoints": {
        "path": str,
        "description": str,
        "worker_pool": OPTIONAL_TEXT,
        "timeout": NUMBER,
        "hide_mock_definition": bool,
        "parameters": list,
        "created_at": NUMBER,
        "mock": dict,
        "private": (dict, type(None)),
    },
    "jobs": {
        "id": str,
        "endpoint": OPTIONAL_TEXT,
        "code": OPTIONAL_TEXT,
        "user": str,
        "side": str,
        "status": str,
        "started_at": NUMBER,
        "duration_s": OPTIONAL_NUMBER,
        "result_stored": bool,
        "error": (dict, type(None)),
    },
    "code": {"name": str, "owner": str, "requests": list},
    "requests": {
        "id": str,
        "code": str,
        "status": str,
        "requested_by": str,
        "source": str,
        "function_name": str,
        "inputs": dict,
        "parameters": list,
        "submitted_versions": dict,
        "approved_versions": (dict, type(None)),
        "run_limit": (int, type(None)),
        "runs": int,
        "created_at": NUMBER,
    },
    "pools": {"name": str, "kind": str, "python": str, "version": str},
    "datasite": {"name": str, "id": str},
}

# Timestamps beyond this (about the year 5000) cannot be shown as dates.
MAX_TIMESTAMP = 1e11


def _type_names(allowed: type | tuple) -> str:
    types = allowed if isinstance(allowed, tuple) else (allowed,)
    names = {
        int: "a number",
        float: "a number",
        str: "a string",
        bool: "true or false",
        dict: "an object",
        list: "a list",
        type(None): "null",
    }
    return " or ".join(dict.fromkeys(names[t] for t in types))


def _is_instance(value: object, allowed: type | tuple) -> bool:
    types = allowed if isinstance(allowed, tuple) else (allowed,)
    # JSON true and false load as bool, which Python counts as an int.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def problem(kind: str, record: dict) -> str | None:
    """Return why RECORD of KIND has a field of the wrong type, or None if it has none."""
    for field, allowed in FIELDS.get(kind, {}).items():
        if field not in record:
            return f"field {field!r} is missing"
        if not _is_instance(record[field], allowed):
            return f"field {field!r} should be {_type_names(allowed)}"
    check = _DEEPER_CHECKS.get(kind)
    return check(record) if check else None


def _endpoint_problem(record: dict) -> str | None:
    for parameter in record["parameters"]:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            return "field 'parameters' should hold objects with a 'name'"
    if not 0 < record["timeout"] < float("inf"):
        return "field 'timeout' should be a positive number of seconds"
    for side in ("mock", "private"):
        method = record[side]
        if method is None:
            continue
        for field, allowed in _METHOD.items():
            if not _is_instance(method.get(field), allowed):
                return f"field '{side}.{field}' should be {_type_names(allowed)}"
    return None


def _job_problem(record: dict) -> str | None:
    started = record["started_at"]
    if not (isinstance(started, (int, float)) and 0 <= started < MAX_TIMESTAMP):
        return "field 'started_at' should be a time in seconds since 1970"
    pid = record.get("pid")
    if pid is not None and not (_is_instance(pid, int) and 0 < pid < 2**31):
        return "field 'pid' should be a process id"
    error = record["error"]
    if error is not None and not (
        isinstance(error.get("type"), str) and isinstance(error.get("message"), str)
    ):
        return "field 'error' should hold a 'type' and a 'message'"
    return None


def _request_problem(record: dict) -> str | None:
    for name, spec in record["inputs"].items():
        if not isinstance(spec, dict) or not (
            isinstance(spec.get("endpoint"), str) or "constant" in spec
        ):
            return f"field 'inputs.{name}' should name an endpoint or hold a constant"
    if not isinstance(record.get("approved_endpoints", {}), (dict, type(None))):
        return "field 'approved_endpoints' should be an object"
    return None


def _code_problem(record: dict) -> str | None:
    if not all(isinstance(request_id, str) for request_id in record["requests"]):
        return "field 'requests' should hold request ids"
    return None


_DEEPER_CHECKS = {
    "endpoints": _endpoint_problem,
    "jobs": _job_problem,
    "requests": _request_problem,
    "code": _code_problem,
}
