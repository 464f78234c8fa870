"""Reliability: concurrent writers, killed processes, `syftapi doctor`, damaged records.

The stress and crash tests read their sizes from the environment, so CI runs
a small version and a full run is one variable away:

    SYFTAPI_STRESS_OPS=50 SYFTAPI_STRESS_ROUNDS=20 SYFTAPI_KILL_ROUNDS=100 \
        python -m pytest -q tests/test_reliability.py
"""

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from syftapi_cli.runtime import pickling
from syftapi_cli.store import Datasite
from syftapi_cli.store import blobs
from syftapi_cli.store.datasite import SCHEMA, STALE_TEMP_S
from syftapi_cli.store.files import TEMP_PREFIX
from tests.conftest import assert_one_line_error, run_syftapi, tree_digest

PROCESSES = 8
STRESS_OPS = int(os.environ.get("SYFTAPI_STRESS_OPS", "6"))
STRESS_ROUNDS = int(os.environ.get("SYFTAPI_STRESS_ROUNDS", "1"))
KILL_ROUNDS = int(os.environ.get("SYFTAPI_KILL_ROUNDS", "10"))

COUNTER = "reliability.counter"
SLEEPER = "reliability.sleeper"
SUM = "my_org.sum_numbers"
RESTORE_HINT = "restore it from a backup or delete it"

ENDPOINTS = '''
import os
import time

import syftapi_cli as sy


@sy.api_endpoint(path="reliability.counter")
def counter(context) -> int:
    count = context.state.get("count", 0)
    # Widens the gap between reading and saving the state, so that runs
    # without the state lock would lose updates.
    time.sleep(0.02)
    context.state["count"] = count + 1
    return context.state["count"]


@sy.api_endpoint(path="reliability.sleeper")
def sleeper(context, pid_file: str) -> None:
    with open(pid_file, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(60)
'''

USER_CODE = '''
@sy.syft_function_single_use(data_endpoint="my_org.get_data_sample")
def {name}(data_endpoint):
    return data_endpoint(length=1)
'''

# Runs one process's share of the stress operations through the real CLI, in
# order, and stores each command's exit code and output as JSON.
DRIVER = '''
import json
import subprocess
import sys

plan_path, result_path = sys.argv[1], sys.argv[2]
with open(plan_path) as handle:
    plan = json.load(handle)
results = []
for argv in plan:
    completed = subprocess.run(
        [sys.executable, "-m", "syftapi_cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    results.append(
        {
            "argv": argv,
            "returncode": completed.returncode,
            "stdout": completed.stdout,
            "stderr": completed.stderr,
        }
    )
with open(result_path, "w") as handle:
    json.dump(results, handle)
'''

# Rewrites the counter's endpoint record, then its state blob, through
# syftapi's store, until it is killed. The record's description starts with
# the write number and the state contains the same number, so a reader can tell
# which write each file comes from.
WRITER = '''
import sys
from pathlib import Path

from syftapi_cli.runtime import pickling
from syftapi_cli.store import Datasite

site = Datasite.open(Path(sys.argv[1]))
path, padding_size = sys.argv[2], int(sys.argv[3])
state_path = site.root / "state" / f"{path}.public.pkl"
number = int(site.read("endpoints", path)["description"].split()[0])
state = {"count": number, "padding": "y" * padding_size}
pickling.write_signed(state_path, site.key, state, "state")
print("ready", flush=True)
while True:
    number += 1
    with site.lock():
        record = site.read("endpoints", path)
        record["description"] = f"{number} " + "x" * padding_size
        site.write("endpoints", path, record)
    state = {"count": number, "padding": "y" * padding_size}
    pickling.write_signed(state_path, site.key, state, "state")
'''
WRITER_PADDING = 100_000


def add_reliability_endpoints(cli, tmp_path: Path) -> None:
    module = tmp_path / "reliability_endpoints.py"
    module.write_text(textwrap.dedent(ENDPOINTS))
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr


def cli_json(cli, *args, role="admin"):
    result = cli(*args, "--format", "json", role=role)
    assert result.exit_code == 0, (args, result.stderr)
    return json.loads(result.stdout)


def admin_environment(cli) -> dict:
    return {**os.environ, "SYFTAPI_TOKEN": cli.tokens["admin"]}


def temporary_files(home: Path) -> list[Path]:
    return sorted(path for path in home.rglob(f"{TEMP_PREFIX}*") if path.is_file())


def unreadable_records(home: Path) -> list[str]:
    """Return the JSON records under HOME that do not load as a dict with this schema."""
    failures = []
    for path in sorted(home.rglob("*.json")):
        try:
            record = json.loads(path.read_bytes())
        except ValueError as error:
            failures.append(f"{path}: {error}")
            continue
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            failures.append(f"{path}: not a schema {SCHEMA} record")
    return failures


def audit_actions(home: Path) -> Counter:
    lines = (home / "audit.log").read_bytes().splitlines()
    return Counter((entry["action"], entry["target"].split(" ")[0]) for entry in map(json.loads, lines))


# Concurrent writers


OPERATION_KINDS = ("run", "update", "approve", "list")


def submit_requests(cli, tmp_path: Path, round_number: int, count: int) -> list[str]:
    """Submit COUNT pieces of user code as the data scientist; return their request ids."""
    names = [f"review_{round_number}_{index}" for index in range(count)]
    module = tmp_path / f"user_code_{round_number}.py"
    module.write_text("import syftapi_cli as sy\n" + "".join(USER_CODE.format(name=n) for n in names))
    request_ids = []
    for name in names:
        submitted = cli("code", "submit", f"{module}:{name}", role="data_scientist")
        assert submitted.exit_code == 0, submitted.stderr
        request_ids.append(submitted.stdout.strip())
    return request_ids


def operation_argv(kind: str, round_number: int, process: int, index: int, request_id) -> list[str]:
    if kind == "run":
        return ["run", COUNTER, "--format", "json"]
    if kind == "approve":
        return ["requests", "approve", request_id, "--yes"]
    if kind == "list":
        return ["jobs", "list", "--limit", "10", "--format", "json"]
    if index % 2:
        return ["endpoint", "update", COUNTER, "--timeout", str(30 + process)]
    return ["endpoint", "update", COUNTER, "--description", f"round {round_number} process {process} op {index}"]


def run_drivers(driver: Path, plans: list[list], folder: Path, environment: dict) -> list[dict]:
    """Run one driver process per plan at once; return every command's outcome."""
    folder.mkdir()
    processes = []
    try:
        for number, plan in enumerate(plans):
            plan_path = folder / f"plan-{number}.json"
            plan_path.write_text(json.dumps(plan))
            processes.append(
                subprocess.Popen(
                    [sys.executable, str(driver), str(plan_path), str(folder / f"result-{number}.json")],
                    env=environment,
                )
            )
        for process in processes:
            assert process.wait(timeout=60 + 30 * len(plans[0])) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    outcomes = []
    for number in range(len(plans)):
        outcomes.extend(json.loads((folder / f"result-{number}.json").read_text()))
    return outcomes


def test_concurrent_writers_lose_nothing(cli, site, tmp_path, record_property):
    add_reliability_endpoints(cli, tmp_path)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    environment = admin_environment(cli)
    totals = Counter()
    counts_returned = []
    approved = []
    for round_number in range(STRESS_ROUNDS):
        schedule = [
            (process, index, OPERATION_KINDS[(process + index) % len(OPERATION_KINDS)])
            for process in range(PROCESSES)
            for index in range(STRESS_OPS)
        ]
        kinds = Counter(kind for _, _, kind in schedule)
        request_ids = submit_requests(cli, tmp_path, round_number, kinds["approve"])
        to_approve = iter(request_ids)
        plans = [[] for _ in range(PROCESSES)]
        for process, index, kind in schedule:
            request_id = next(to_approve) if kind == "approve" else None
            plans[process].append(operation_argv(kind, round_number, process, index, request_id))

        started = time.monotonic()
        outcomes = run_drivers(driver, plans, tmp_path / f"round-{round_number}", environment)
        record_property(f"round_{round_number}_seconds", round(time.monotonic() - started, 1))

        failed = [o for o in outcomes if o["returncode"] != 0]
        assert failed == []
        assert len(outcomes) == PROCESSES * STRESS_OPS
        totals.update(kinds)
        approved.extend(request_ids)
        for outcome in outcomes:
            if outcome["argv"][0] == "run":
                counts_returned.append(int(outcome["stdout"]))
            if outcome["argv"][0] == "jobs":
                assert isinstance(json.loads(outcome["stdout"]), list)

    record_property("operations", dict(totals))
    # Every run saw a different count: no two runs read the same state.
    assert sorted(counts_returned) == list(range(1, totals["run"] + 1))
    state = cli_json(cli, "state", "show", COUNTER)
    assert state == {"count": totals["run"]}

    job_files = list((site / "jobs").glob("*.json"))
    assert len(job_files) == totals["run"]
    jobs = cli_json(cli, "jobs", "list", "--endpoint", COUNTER, "--limit", "100000")
    assert len(jobs) == totals["run"]
    assert {job["status"] for job in jobs} == {"completed"}

    approved_rows = cli_json(cli, "requests", "list", "--status", "approved")
    assert sorted(row["id"] for row in approved_rows) == sorted(approved)
    assert cli_json(cli, "requests", "list", "--status", "pending") == []

    actions = audit_actions(site)
    assert actions[("update endpoint", COUNTER)] == totals["update"]
    assert sum(n for (action, _), n in actions.items() if action == "approve request") == totals["approve"]

    assert unreadable_records(site) == []
    assert temporary_files(site) == []


# Killed writers


def wait_for_temporary_file(home: Path, limit_s: float = 5.0) -> None:
    """Poll until a writer has a new temporary file open under HOME, or LIMIT_S passes.

    Files left by earlier kills do not count.
    """
    folders = [home / "endpoints", home / "state"]
    earlier = set(temporary_files(home))
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for folder in folders:
            with os.scandir(folder) as entries:
                if any(
                    entry.name.startswith(TEMP_PREFIX) and Path(entry.path) not in earlier
                    for entry in entries
                ):
                    return


def written_numbers(home: Path) -> tuple[int, int]:
    """Return the write numbers of the counter's record and state blob after checking both are whole."""
    site = Datasite(home)
    description = site.read("endpoints", COUNTER)["description"]
    number_text, _, padding = description.partition(" ")
    assert padding == "x" * WRITER_PADDING
    header, payload = blobs.verify(site.key, site.read_blob("state", f"{COUNTER}.public"), "state")
    state = pickling.loads(payload)
    assert state["padding"] == "y" * WRITER_PADDING
    return int(number_text), state["count"]


def test_killed_writer_leaves_whole_records(cli, site, tmp_path, record_property):
    add_reliability_endpoints(cli, tmp_path)
    updated = cli("endpoint", "update", COUNTER, "--description", "0", role="admin")
    assert updated.exit_code == 0, updated.stderr
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER)
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    last_record = 0
    for kill in range(KILL_ROUNDS):
        process = subprocess.Popen(
            [sys.executable, str(writer), str(site), COUNTER, str(WRITER_PADDING)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout.readline() == "ready\n"
            # Half the kills land at a random time, half while a write is under way.
            if kill % 2:
                wait_for_temporary_file(site)
            else:
                time.sleep(chance.uniform(0.0, 0.3))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stdout.close()

        assert unreadable_records(site) == [], f"kill {kill}, seed {seed}"
        record_number, state_number = written_numbers(site)
        assert record_number >= last_record, f"kill {kill}, seed {seed}"
        assert state_number in (record_number - 1, record_number), f"kill {kill}, seed {seed}"
        last_record = record_number

    leftovers = temporary_files(site)
    record_property("kills", KILL_ROUNDS)
    record_property("temporary_files_left", len(leftovers))
    record_property("writes_completed", last_record)
    assert len(leftovers) >= 2, f"seed {seed}"
    young, aged = leftovers[0], leftovers[1:]
    past = time.time() - 2 * STALE_TEMP_S
    for path in aged:
        os.utime(path, (past, past))

    endpoint_view = run_syftapi(
        "endpoint", "show", COUNTER, "--format", "json", env={"SYFTAPI_TOKEN": cli.tokens["admin"]}
    )
    assert endpoint_view.returncode == 0, endpoint_view.stderr
    assert json.loads(endpoint_view.stdout)["description"].split()[0] == str(last_record)
    assert temporary_files(site) == [young]
    state = cli_json(cli, "state", "show", COUNTER)
    assert state["count"] == written_numbers(site)[1]


# Jobs whose process died


def wait_for_pid(pid_file: Path, limit_s: float = 30.0) -> int:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().strip():
            return int(pid_file.read_text())
        time.sleep(0.05)
    raise AssertionError(f"the endpoint wrote no pid within {limit_s} s")


@pytest.fixture
def dead_job(cli, site, tmp_path):
    """A job left `running` by a `syftapi run` process that was killed with SIGKILL."""
    add_reliability_endpoints(cli, tmp_path)
    pid_file = tmp_path / "worker.pid"
    command = [sys.executable, "-m", "syftapi_cli", "run", SLEEPER, "--kw", f"pid_file={pid_file}"]
    process = subprocess.Popen(
        command,
        env=admin_environment(cli),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker_pid = None
    try:
        worker_pid = wait_for_pid(pid_file)
        [running] = cli_json(cli, "jobs", "list", "--endpoint", SLEEPER)
        assert running["status"] == "running"
    finally:
        process.kill()
        process.wait()
        # The worker runs in a session of its own, so killing its parent leaves it alive.
        if worker_pid is not None:
            os.killpg(worker_pid, signal.SIGKILL)
            # In-process runs make this process a child subreaper, so the
            # orphaned worker may now be its child and must be reaped here.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker_pid, 0)
    return {"id": running["id"], "pid": process.pid}


def test_dead_job_show_errored(cli, dead_job):
    job = cli_json(cli, "jobs", "show", dead_job["id"])
    assert job["status"] == "errored"
    assert job["error"]["type"] == "WorkerDied"
    assert "died" in job["error"]["message"]
    assert f"pid {dead_job['pid']}" in job["error"]["message"]


def test_dead_job_list_errored(cli, site, dead_job):
    errored = cli_json(cli, "jobs", "list", "--status", "errored")
    assert [job["id"] for job in errored] == [dead_job["id"]]
    assert cli_json(cli, "jobs", "list", "--status", "running") == []
    record = json.loads((site / "jobs" / f"{dead_job['id']}.json").read_text())
    assert record["status"] == "errored"


# syftapi doctor


def endpoint_record_path(home: Path, path: str = SUM) -> Path:
    return home / "endpoints" / f"{path}.json"


def function_blob_path(home: Path, path: str = SUM) -> Path:
    record = json.loads(endpoint_record_path(home, path).read_text())
    return home / "blobs" / f"{record['mock']['blob']}.pkl"


def make_newer_schema(home: Path) -> Path:
    path = endpoint_record_path(home)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "schema": SCHEMA + 1}))
    return path


def make_bad_signature(home: Path) -> Path:
    path = function_blob_path(home)
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0x01
    path.write_bytes(bytes(blob))
    return path


def make_young_orphan_blob(home: Path) -> Path:
    path = home / "blobs" / "my_org.removed.mock.0badc0de.pkl"
    shutil.copyfile(function_blob_path(home), path)
    return path


def make_orphan_blob(home: Path) -> Path:
    path = make_young_orphan_blob(home)
    written = time.time() - 2 * STALE_TEMP_S
    os.utime(path, (written, written))
    return path


def make_temporary_file(folder: Path, age_s: float) -> Path:
    path = folder / f"{TEMP_PREFIX}left-behind.json.0badc0de"
    path.write_text('{"schema": 1, "sta')
    written = time.time() - age_s
    os.utime(path, (written, written))
    return path


def make_stale_temporary(home: Path) -> Path:
    # Opening a datasite sweeps stale files from every folder except jobs/ and results/.
    return make_temporary_file(home / "jobs", 2 * STALE_TEMP_S)


def make_young_temporary(home: Path) -> Path:
    return make_temporary_file(home / "users", 0)


def doctor(cli, *options, role="admin"):
    result = cli("doctor", *options, "--format", "json", role=role)
    return result, json.loads(result.stdout or "null")


def test_doctor_healthy_exit_zero(cli, site):
    ran = cli("run", SUM, "--kw", "number_1=2", "--kw", "number_2=3", role="admin")
    assert ran.exit_code == 0, ran.stderr
    result, problems = doctor(cli)
    assert result.exit_code == 0, result.stderr
    assert problems == []
    assert "healthy" in result.stderr


def test_doctor_admins_only(cli, site):
    result = cli("doctor", role="data_owner")
    assert_one_line_error(result, 3)


DOCTOR_CASES = {
    "newer_schema": (make_newer_schema, "record"),
    "bad_signature": (make_bad_signature, "signature"),
    "orphan_blob": (make_orphan_blob, "orphan"),
    "young_orphan_blob": (make_young_orphan_blob, "orphan"),
    "stale_temporary": (make_stale_temporary, "temporary"),
    "young_temporary": (make_young_temporary, "temporary"),
}


@pytest.mark.parametrize("case", list(DOCTOR_CASES))
def test_doctor_reports_problem(cli, site, case):
    damage, kind = DOCTOR_CASES[case]
    path = damage(site)
    result, problems = doctor(cli)
    assert_one_line_error(result, 6)
    assert "syftapi doctor --fix" in result.stderr
    assert [(p["kind"], p["path"], p["fixed"]) for p in problems] == [(kind, str(path), False)]


@pytest.mark.parametrize("case", ["orphan_blob", "stale_temporary"])
def test_doctor_fix_removes_leftover(cli, site, case):
    damage, kind = DOCTOR_CASES[case]
    path = damage(site)
    result, problems = doctor(cli, "--fix")
    assert result.exit_code == 0, result.stderr
    assert [(p["kind"], p["path"], p["fixed"]) for p in problems] == [(kind, str(path), True)]
    assert not path.exists()
    again, remaining = doctor(cli)
    assert again.exit_code == 0, again.stderr
    assert remaining == []


@pytest.mark.parametrize(
    "case", ["newer_schema", "bad_signature", "young_temporary", "young_orphan_blob"]
)
def test_doctor_fix_keeps_unsafe(cli, site, case):
    damage, kind = DOCTOR_CASES[case]
    path = damage(site)
    before = tree_digest(site)
    result, problems = doctor(cli, "--fix")
    assert_one_line_error(result, 6)
    assert [(p["kind"], p["path"], p["fixed"]) for p in problems] == [(kind, str(path), False)]
    assert tree_digest(site) == before


def test_doctor_fix_settles_dead_job(cli, site, dead_job):
    record_path = str(site / "jobs" / f"{dead_job['id']}.json")
    result, problems = doctor(cli)
    assert_one_line_error(result, 6)
    assert [(p["kind"], p["path"], p["fixed"]) for p in problems] == [("job", record_path, False)]

    fixed, repaired = doctor(cli, "--fix")
    assert fixed.exit_code == 0, fixed.stderr
    assert [(p["kind"], p["path"], p["fixed"]) for p in repaired] == [("job", record_path, True)]
    assert cli_json(cli, "jobs", "show", dead_job["id"])["status"] == "errored"
    again, remaining = doctor(cli)
    assert again.exit_code == 0, again.stderr


def test_doctor_fix_keeps_corrupt_endpoint_blobs(cli, site):
    # A corrupt record may be restored from a backup, which needs its blobs.
    record_path = endpoint_record_path(site)
    blob_path = function_blob_path(site)
    record_path.write_bytes(record_path.read_bytes()[:40])
    result, problems = doctor(cli, "--fix")
    assert_one_line_error(result, 6)
    assert blob_path.exists()
    assert [p["path"] for p in problems if p["fixed"]] == []


# Damaged records and a missing datasite


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def garble(data: bytes) -> bytes:
    return bytes(byte ^ 0xA5 for byte in data)


def drop_schema(data: bytes) -> bytes:
    record = json.loads(data)
    del record["schema"]
    return json.dumps(record).encode()


def newer_schema(data: bytes) -> bytes:
    return json.dumps({**json.loads(data), "schema": SCHEMA + 1}).encode()


def older_schema(data: bytes) -> bytes:
    return json.dumps({**json.loads(data), "schema": SCHEMA - 1}).encode()


def with_fields(**changes):
    def change(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), **changes}).encode()

    return change


# damage: (change to the file's bytes, words of the error, next step it names)
DAMAGES = {
    "timeout_text": (with_fields(timeout="abc"), "'timeout' should be a number", RESTORE_HINT),
    "timeout_negative": (with_fields(timeout=-5), "'timeout' should be a positive", RESTORE_HINT),
    "parameters_null": (with_fields(parameters=None), "'parameters' should be a list", RESTORE_HINT),
    "mock_missing": (with_fields(mock="gone"), "'mock' should be an object", RESTORE_HINT),
    "timeout_infinite": (
        lambda data: re.sub(rb'"timeout": [0-9.]+', b'"timeout": Infinity', data),
        "'timeout' should be a positive",
        RESTORE_HINT,
    ),
    "parameter_not_object": (with_fields(parameters=[5]), "'parameters' should hold", RESTORE_HINT),
    "truncated": (truncate, "not valid JSON", RESTORE_HINT),
    "garbled": (garble, "not valid JSON", RESTORE_HINT),
    "no_schema": (drop_schema, "no schema version", RESTORE_HINT),
    "newer_schema": (newer_schema, f"has schema {SCHEMA + 1}, newer than", "upgrade syftapi"),
    # Schema 1 is the first, so no migration exists and schema 0 cannot be read.
    "older_schema": (older_schema, f"has schema {SCHEMA - 1}, which this syftapi cannot migrate", RESTORE_HINT),
}

@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_endpoint_record_rejected(cli, site, damage):
    change, words, next_step = DAMAGES[damage]
    path = endpoint_record_path(site)
    path.write_bytes(change(path.read_bytes()))
    before = tree_digest(site)
    commands = [
        ("endpoint", "show", SUM),
        ("endpoint", "list"),
        ("run", SUM, "--kw", "number_1=2", "--kw", "number_2=3"),
    ]
    for command in commands:
        result = cli(*command, role="admin")
        assert_one_line_error(result, 6)
        assert f"'{path}'" in result.stderr
        assert words in result.stderr
        assert next_step in result.stderr
        assert tree_digest(site) == before
    checked, problems = doctor(cli)
    assert checked.exit_code == 6
    assert [(p["kind"], p["path"]) for p in problems] == [("record", str(path))]


def user_record_path(home: Path) -> Path:
    [path] = [p for p in (home / "users").glob("*.json") if '"admin@' in p.read_text()]
    return path


@pytest.mark.parametrize(
    "locate, command",
    [
        (user_record_path, ("whoami",)),
        (lambda home: home / "datasite.json", ("whoami",)),
        (lambda home: endpoint_record_path(home), ("endpoint", "list")),
    ],
    ids=["user", "datasite_marker", "endpoint_in_list"],
)
def test_truncated_record_named(cli, site, locate, command):
    path = locate(site)
    path.write_bytes(truncate(path.read_bytes()))
    before = tree_digest(site)
    result = cli(*command, role="admin")
    assert_one_line_error(result, 6)
    assert f"'{path}'" in result.stderr
    assert RESTORE_HINT in result.stderr
    assert tree_digest(site) == before


def test_truncated_record_subprocess(cli, site):
    path = endpoint_record_path(site)
    path.write_bytes(truncate(path.read_bytes()))
    completed = run_syftapi("endpoint", "show", SUM, env={"SYFTAPI_TOKEN": cli.tokens["admin"]})
    assert completed.returncode == 6
    assert completed.stderr.count("\n") == 1
    assert f"'{path}'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_marker_not_found(cli, site):
    (site / "datasite.json").unlink()
    before = tree_digest(site)
    result = cli("endpoint", "list", role="admin")
    assert_one_line_error(result, 4)
    assert "syftapi init" in result.stderr
    assert str(site) in result.stderr
    assert tree_digest(site) == before


def test_record_writable_by_others_rejected(cli, site):
    path = endpoint_record_path(site)
    path.chmod(0o666)
    before = tree_digest(site)
    result = cli("run", SUM, "--kw", "number_1=2", "--kw", "number_2=3", role="admin")
    assert_one_line_error(result, 6)
    assert f"'{path}'" in result.stderr
    assert "writable by other OS users" in result.stderr
    assert tree_digest(site) == before


def test_job_record_bad_time_rejected(cli, site):
    ran = cli("run", SUM, "--kw", "number_1=2", "--kw", "number_2=3", role="admin")
    assert ran.exit_code == 0, ran.stderr
    [path] = list((site / "jobs").glob("*.json"))
    path.write_text(json.dumps({**json.loads(path.read_text()), "started_at": 1e20}))
    result = cli("jobs", "list", role="admin")
    assert_one_line_error(result, 6)
    assert "'started_at'" in result.stderr
