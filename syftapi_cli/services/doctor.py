"""`syftapi doctor`: check a datasite and repair what can be repaired safely."""

import time
from dataclasses import dataclass
from pathlib import Path

from syftapi_cli.errors import DamagedState
from syftapi_cli.services import jobs
from syftapi_cli.services.roles import Identity, require_admin
from syftapi_cli.store import Datasite
from syftapi_cli.store import blobs as signed_blobs
from syftapi_cli.store.datasite import KINDS, STALE_TEMP_S

RECORD_KINDS = ("users", "tokens", "endpoints", "jobs", "code", "requests", "pools")


@dataclass
class Problem:
    """One finding: what is wrong, where, and whether --fix repaired it."""

    kind: str
    path: str
    message: str
    fixed: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "path": self.path, "message": self.message, "fixed": self.fixed}


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


@dataclass
class Records:
    """The records that loaded, by kind, and the names of those that did not."""

    loaded: dict[str, list[dict]]
    unreadable: dict[str, set[str]]


def _check_records(datasite: Datasite, problems: list[Problem]) -> Records:
    records = Records({}, {})
    for kind in RECORD_KINDS:
        records.loaded[kind] = []
        records.unreadable[kind] = set()
        for name in datasite.names(kind):
            try:
                record = datasite.read(kind, name)
            except DamagedState as error:
                problems.append(Problem("record", str(datasite.record_path(kind, name)), str(error)))
                records.unreadable[kind].add(name)
                continue
            if record is not None:
                records.loaded[kind].append(record)
    return records


def _owner_unreadable(kind: str, name: str, records: Records) -> bool:
    """Return whether blob NAME of KIND may belong to a record that failed to load."""
    if kind == "results":
        return name in records.unreadable["jobs"]
    # Endpoint blobs and state are named '<path>.<side>...'.
    return any(name.startswith(path + ".") for path in records.unreadable["endpoints"])


def _check_blobs(datasite: Datasite, records: Records, fix: bool, problems: list[Problem]) -> None:
    endpoints = records.loaded["endpoints"]
    referenced = {
        record[side]["blob"] for record in endpoints for side in ("mock", "private") if record.get(side)
    }
    paths = {record["path"] for record in endpoints}
    job_ids = {job["id"] for job in records.loaded["jobs"]}
    key = datasite.key
    for kind in ("blobs", "state", "results"):
        for blob_path in sorted((datasite.root / kind).glob("*.pkl")):
            name = blob_path.name[: -len(".pkl")]
            if kind == "blobs":
                orphan = name not in referenced
            elif kind == "state":
                orphan = name.rsplit(".", 1)[0] not in paths
            else:
                orphan = name not in job_ids
            if orphan and _owner_unreadable(kind, name, records):
                # Kept with its damaged record, which a backup may restore.
                continue
            if orphan:
                problem = Problem("orphan", str(blob_path), f"{kind} blob no record refers to")
                # A young blob may belong to an `endpoint add` or a run still writing its record.
                if fix and _age_s(blob_path) >= STALE_TEMP_S:
                    blob_path.unlink(missing_ok=True)
                    problem.fixed = True
                problems.append(problem)
                continue
            try:
                signed_blobs.verify(key, blob_path.read_bytes(), str(blob_path))
            except DamagedState as error:
                problems.append(Problem("signature", str(blob_path), str(error)))
    for log in sorted((datasite.root / "jobs").glob("*.log")):
        job_id = log.name[: -len(".log")]
        if job_id not in job_ids and job_id not in records.unreadable["jobs"]:
            problem = Problem("orphan", str(log), "job log without a job record")
            if fix and _age_s(log) >= STALE_TEMP_S:
                log.unlink(missing_ok=True)
                problem.fixed = True
            problems.append(problem)


def check(datasite: Datasite, actor: Identity, fix: bool = False) -> list[Problem]:
    """Return every problem found; with FIX, repair orphans, temporary files and dead jobs.

    Corrupt records and blobs with bad signatures are reported, never
    deleted: they may be the only copy of someone's data.
    """
    require_admin(actor, "checking the datasite")
    problems: list[Problem] = []
    records = _check_records(datasite, problems)
    _check_blobs(datasite, records, fix, problems)
    for job in records.loaded["jobs"]:
        if job["status"] in ("queued", "running"):
            settled = jobs.settle_if_orphaned(datasite, job) if fix else job
            if not jobs.process_alive(job):
                problems.append(
                    Problem(
                        "job",
                        str(datasite.record_path("jobs", job["id"])),
                        f"job {job['id']} is {job['status']} but its process died",
                        fixed=settled["status"] == "errored",
                    )
                )
    if fix:
        # Young temporary files may belong to a write still in progress.
        for temp in datasite.sweep_temporary_files(KINDS):
            problems.append(Problem("temporary", str(temp), "temporary file left by a writer", True))
    for kind in KINDS:
        for temp in sorted((datasite.root / kind).glob(".tmp-*")):
            problems.append(Problem("temporary", str(temp), "temporary file left by a writer"))
    return problems
