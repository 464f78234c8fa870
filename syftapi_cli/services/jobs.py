"""Job records: one execution each, with its status, logs and result."""

import math
import os
import time

from syftapi_cli.errors import DefinitionError, NotFound, UsageError
from syftapi_cli.runtime import processes
from syftapi_cli.runtime.launcher import LOG_CAP_BYTES, Outcome
from syftapi_cli.services.redact import REDACTED, redact
from syftapi_cli.services.roles import Identity, require_member, require_owner
from syftapi_cli.store import Datasite, new_id

STATUSES = ("queued", "running", "completed", "errored", "timed_out")
PUBLIC_FIELDS = ("id", "endpoint", "code", "user", "side", "status", "started_at", "duration_s")


def log_path(datasite: Datasite, job_id: str):
    return datasite.root / "jobs" / f"{job_id}.log"


def create(
    datasite: Datasite, actor: Identity, endpoint: str | None, code: str | None, side: str
) -> dict:
    """Record a new running job and create its empty, owner-only log file."""
    job = {
        "id": new_id(),
        "endpoint": endpoint,
        "code": code,
        "user": actor.email,
        "side": side,
        "status": "running",
        "started_at": time.time(),
        "duration_s": None,
        "pid": os.getpid(),
        "pid_started": processes.start_time(os.getpid()),
        "error": None,
        "result_stored": False,
        "logs_truncated": False,
    }
    os.close(os.open(log_path(datasite, job["id"]), os.O_WRONLY | os.O_CREAT, 0o600))
    with datasite.lock():
        datasite.write("jobs", job["id"], job)
    return job


def _clean_log(datasite: Datasite, job_id: str, secrets: list[str], dropped: int) -> bool:
    """Redact a finished job's log in place and note what the cap dropped."""
    path = log_path(datasite, job_id)
    text = path.read_bytes().decode("utf-8", errors="replace")
    text = redact(text, secrets)
    if dropped:
        text += f"\n[log truncated at {LOG_CAP_BYTES} bytes: {dropped} more bytes were dropped]\n"
    from syftapi_cli.store.files import write_atomic

    write_atomic(path, text.encode())
    return dropped > 0


def finish(datasite: Datasite, job: dict, outcome: Outcome, secrets: list[str]) -> dict:
    """Store OUTCOME in JOB's record, with secrets redacted from logs and error."""
    truncated = _clean_log(datasite, job["id"], secrets, outcome.log_dropped)
    error = outcome.error
    if error:
        error = {
            "type": error.get("type"),
            "message": redact(str(error.get("message", "")), secrets),
            "traceback": redact(error["traceback"], secrets) if error.get("traceback") else None,
            "exit_code": error.get("exit_code", 1),
        }
    job = {
        **job,
        "status": outcome.status,
        "duration_s": round(outcome.duration_s, 4),
        "error": error,
        "result_stored": bool(outcome.header.get("result_stored")),
        "logs_truncated": truncated,
    }
    with datasite.lock():
        datasite.write("jobs", job["id"], job)
    return job


def process_alive(job: dict) -> bool:
    """Return whether the process that runs JOB is still alive."""
    return processes.is_alive(job["pid"], job.get("pid_started"))


def settle_if_orphaned(datasite: Datasite, job: dict) -> dict:
    """Mark a job `errored` if it is still `running` but its process has died."""
    if job["status"] not in ("queued", "running"):
        return job
    if process_alive(job):
        return job
    with datasite.lock():
        current = datasite.read("jobs", job["id"])
        if current is None or current["status"] not in ("queued", "running"):
            return current or job
        current["status"] = "errored"
        current["error"] = {
            "type": "WorkerDied",
            "message": f"its process (pid {job['pid']}) died before the job finished",
            "traceback": None,
            "exit_code": 1,
        }
        datasite.write("jobs", job["id"], current)
    return current


def get(datasite: Datasite, actor: Identity, job_id: str) -> dict:
    """Return job JOB_ID if ACTOR may see it; others' jobs are simply not found."""
    require_member(actor, "showing jobs")
    job = None
    if job_id and all(c in "0123456789abcdef" for c in job_id) and len(job_id) <= 32:
        job = datasite.read("jobs", job_id)
    if job is None or (not actor.is_owner and job["user"] != actor.email):
        raise NotFound(f"job {job_id!r} not found; run 'syftapi jobs list'")
    return settle_if_orphaned(datasite, job)


def read_logs(datasite: Datasite, job_id: str) -> str:
    try:
        return log_path(datasite, job_id).read_text(errors="replace")
    except FileNotFoundError:
        return ""


def summary(job: dict) -> dict:
    return {key: job.get(key) for key in PUBLIC_FIELDS}


def list_jobs(
    datasite: Datasite,
    actor: Identity,
    endpoint: str | None = None,
    status: str | None = None,
    user: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """Return jobs newest first; non-owners see their own only."""
    require_member(actor, "listing jobs")
    if status is not None and status not in STATUSES:
        raise UsageError(f"invalid status {status!r}; choose one of {', '.join(STATUSES)}")
    if limit < 1 or offset < 0:
        raise UsageError("--limit must be at least 1 and --offset at least 0")
    if endpoint is not None:
        from syftapi_cli.definitions import validate_path

        try:
            validate_path(endpoint)
        except DefinitionError as error:
            raise UsageError(f"--endpoint: {error}") from None
    if user is not None and not actor.is_owner and user.lower() != actor.email:
        return []
    wanted_user = user.lower() if user else (None if actor.is_owner else actor.email)
    datasite.sweep_temporary_files(("jobs", "results"))
    rows, skipped = [], 0
    # Ids sort by creation time, so reading newest first stops at the page end.
    for job_id in reversed(datasite.names("jobs")):
        job = datasite.read("jobs", job_id)
        if job is None:
            continue
        job = settle_if_orphaned(datasite, job)
        if wanted_user and job["user"] != wanted_user:
            continue
        if endpoint and job["endpoint"] != endpoint:
            continue
        if status and job["status"] != status:
            continue
        if skipped < offset:
            skipped += 1
            continue
        rows.append(summary(job))
        if len(rows) >= limit:
            break
    return rows


def prune(datasite: Datasite, actor: Identity, older_than_days: float) -> int:
    """Delete finished jobs older than the given age, with their logs and results."""
    require_owner(actor, "pruning jobs")
    if not math.isfinite(older_than_days) or older_than_days < 0:
        raise UsageError(f"invalid --older-than {older_than_days}: use 0 or more days")
    cutoff = time.time() - older_than_days * 86_400
    removed = 0
    for job_id in datasite.names("jobs"):
        job = datasite.read("jobs", job_id)
        if job is None or job["status"] in ("queued", "running"):
            continue
        if job["started_at"] >= cutoff:
            continue
        with datasite.lock():
            datasite.delete("jobs", job_id)
        datasite.delete_blob("results", job_id)
        log_path(datasite, job_id).unlink(missing_ok=True)
        removed += 1
    return removed


__all__ = ["REDACTED", "create", "finish", "get", "list_jobs", "prune"]
