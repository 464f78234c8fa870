"""Hostile endpoint code: crashes, memory, output floods and escaping processes.

The endpoints write the worker's pid, and the pids of the processes they
start, to the file named by their `pidfile` keyword, so that a test can
check that none of them survives the run.
"""

import json
import os
import signal
import sys
import textwrap
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from tests.conftest import assert_one_line_error, run_syftapi
from tests.test_runtime import is_running, wait_until_stopped

HOSTILE_MODULE = '''
import ctypes
import os
import resource
import subprocess
import sys
import time

import syftapi_cli as sy


def record_pids(pidfile, pids):
    with open(pidfile, "a") as handle:
        handle.write(" ".join(str(pid) for pid in pids) + "\\n")


def start_sleeper(**options):
    return subprocess.Popen(["sleep", "300"], **options)


@sy.api_endpoint(path="hostile.exit_code")
def exit_code(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper().pid])
    os._exit(3)


@sy.api_endpoint(path="hostile.segfault")
def segfault(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper().pid])
    # A core file would only slow the test down.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    ctypes.string_at(0)


@sy.api_endpoint(path="hostile.allocate")
def allocate(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper().pid])
    return len(bytearray(1024 ** 3))


@sy.api_endpoint(path="hostile.flood")
def flood(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper().pid])
    chunk = b"x" * (1024 * 1024)
    for _ in range(100):
        sys.stdout.buffer.write(chunk)
    sys.stdout.flush()
    return "flooded"


@sy.api_endpoint(path="hostile.spawn")
def spawn(context, pidfile: str):
    children = [start_sleeper() for _ in range(50)]
    record_pids(pidfile, [os.getpid()] + [child.pid for child in children])
    return len(children)


@sy.api_endpoint(path="hostile.escape_then_hang", endpoint_timeout=2)
def escape_then_hang(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper(start_new_session=True).pid])
    time.sleep(60)


@sy.api_endpoint(path="hostile.escape_then_return")
def escape_then_return(context, pidfile: str):
    record_pids(pidfile, [os.getpid(), start_sleeper(start_new_session=True).pid])
    return "escaped"


@sy.api_endpoint(path="hostile.daemon")
def daemon(context, pidfile: str):
    record_pids(pidfile, [os.getpid()])
    # The shell leaves a new session and exits at once, so its background
    # sleep is orphaned and loses every parent link to the worker.
    subprocess.run(
        ["sh", "-c", 'sleep 300 & echo $! >> "$0"', pidfile],
        start_new_session=True,
        check=True,
    )
    return "daemonised"


@sy.api_endpoint(path="hostile.nested_caller")
def nested_caller(context, pidfile: str):
    helper = start_sleeper()
    record_pids(pidfile, [helper.pid])
    context.user_client.api.services.my_org.sum_numbers(number_1=1, number_2=2)
    return helper.poll() is None
'''

LINUX_ONLY = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="reads process states from /proc and relies on RLIMIT_AS, both Linux-only",
)
# README: "Output beyond 1 MiB is dropped from the logs, and the job says how much."
LOG_CAP_BYTES = 1024 * 1024
FLOOD_BYTES = 100 * 1024 * 1024
MEMORY_LIMIT_MB = 256


@dataclass(frozen=True)
class Case:
    """One misbehaving endpoint and what its run must report."""

    attribute: str
    status: str
    exit_code: int
    fragment: str | None = None
    memory_limit_mb: int | None = None

    @property
    def path(self) -> str:
        return f"hostile.{self.attribute}"


EXIT_CODE = Case("exit_code", "errored", 1, "exited with code 3")
SEGFAULT = Case("segfault", "errored", 1, "SIGSEGV")
ALLOCATE = Case("allocate", "errored", 1, f"{MEMORY_LIMIT_MB} MB", MEMORY_LIMIT_MB)
ESCAPE_THEN_HANG = Case("escape_then_hang", "timed_out", 1, "timed out after 2 s")
FLOOD = Case("flood", "completed", 0)
SPAWN = Case("spawn", "completed", 0)
ESCAPE_THEN_RETURN = Case("escape_then_return", "completed", 0)
DAEMON = Case("daemon", "completed", 0)
FAILING_CASES = [EXIT_CODE, SEGFAULT, ALLOCATE, ESCAPE_THEN_HANG]
RETURNING_CASES = [FLOOD, SPAWN, ESCAPE_THEN_RETURN, DAEMON]
ALL_CASES = FAILING_CASES + RETURNING_CASES


def case_id(case: Case) -> str:
    return case.attribute


def read_pids(path) -> list[int]:
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@pytest.fixture
def pid_file(tmp_path):
    """A file that endpoints write pids to. Pids still running at teardown are killed."""
    path = tmp_path / "pids.txt"
    yield path
    for pid in read_pids(path):
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def hostile(cli, site, tmp_path):
    """Return a function that registers one endpoint of HOSTILE_MODULE, ready to run."""
    module = tmp_path / "hostile_endpoints.py"
    module.write_text(textwrap.dedent(HOSTILE_MODULE))

    def add(case: Case) -> None:
        added = cli("endpoint", "add", f"{module}:{case.attribute}", role="admin")
        assert added.exit_code == 0, added.stderr
        if case.memory_limit_mb is not None:
            limited = cli(
                "endpoint", "update", case.path, "--memory-limit", case.memory_limit_mb,
                role="admin",
            )
            assert limited.exit_code == 0, limited.stderr

    return add


def run_case(cli, hostile, case: Case, pid_file):
    hostile(case)
    return cli("run", case.path, "--kw", f"pidfile={pid_file}", role="data_scientist")


def newest_job(cli) -> dict:
    listed = cli("jobs", "list", "--limit", "1", "--format", "json", role="data_scientist")
    assert listed.exit_code == 0, listed.stderr
    job_id = json.loads(listed.stdout)[0]["id"]
    details = cli("jobs", "show", job_id, "--format", "json", role="data_scientist")
    assert details.exit_code == 0, details.stderr
    return json.loads(details.stdout)


def as_result(completed):
    """Adapt a CompletedProcess to the attributes assert_one_line_error reads."""
    return SimpleNamespace(
        exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr
    )


def skip_off_linux(case: Case) -> None:
    if case.memory_limit_mb is not None and not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS is enforced on Linux only")


# What the caller sees


@pytest.mark.parametrize("case", FAILING_CASES, ids=case_id)
def test_hostile_run_reports_error(cli, hostile, pid_file, case):
    skip_off_linux(case)
    result = run_case(cli, hostile, case, pid_file)
    assert_one_line_error(result, case.exit_code)
    assert case.fragment in result.stderr
    job = newest_job(cli)
    assert job["id"] in result.stderr
    assert job["endpoint"] == case.path
    assert job["status"] == case.status
    assert case.fragment in job["error"]["message"]


@LINUX_ONLY
def test_memory_error_names_option(cli, hostile, pid_file):
    result = run_case(cli, hostile, ALLOCATE, pid_file)
    assert "MemoryError" in result.stderr
    assert "--memory-limit" in result.stderr


@pytest.mark.parametrize("case", RETURNING_CASES, ids=case_id)
def test_hostile_run_still_completes(cli, hostile, pid_file, case):
    result = run_case(cli, hostile, case, pid_file)
    assert result.exit_code == 0, result.stderr
    job = newest_job(cli)
    assert job["status"] == "completed"
    assert job["error"] is None


# Captured output


def test_flood_logs_capped(cli, hostile, pid_file):
    result = run_case(cli, hostile, FLOOD, pid_file)
    assert result.stdout.strip() == "flooded"
    logs = newest_job(cli)["logs"]
    note = f"{FLOOD_BYTES - LOG_CAP_BYTES} more bytes were dropped"
    assert note in logs
    assert str(LOG_CAP_BYTES) in logs
    assert logs.startswith("x" * LOG_CAP_BYTES)
    assert len(logs.encode()) <= LOG_CAP_BYTES + 200


# What is left behind


@LINUX_ONLY
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_hostile_run_leaves_no_process(cli, hostile, pid_file, case):
    run_case(cli, hostile, case, pid_file)
    pids = read_pids(pid_file)
    # The worker and one sleeping child, or the worker and 50 children.
    assert len(pids) == (51 if case is SPAWN else 2)
    assert wait_until_stopped(pids, limit_s=3) == []


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_datasite_survives_hostile_run(cli, hostile, pid_file, case):
    skip_off_linux(case)
    run_case(cli, hostile, case, pid_file)
    total = cli(
        "run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3",
        "--format", "json", role="data_scientist",
    )
    assert total.exit_code == 0, total.stderr
    assert total.stdout.strip() == "5"
    checked = cli("doctor", role="admin")
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    listed = cli("jobs", "list", "--format", "json", role="admin")
    assert [job["status"] for job in json.loads(listed.stdout)] == ["completed", case.status]


# Cleanup after a nested call must reach only the nested worker's descendants.
@LINUX_ONLY
def test_nested_call_spares_caller_child(cli, hostile, pid_file):
    hostile(Case("nested_caller", "completed", 0))
    result = cli(
        "run", "hostile.nested_caller", "--kw", f"pidfile={pid_file}",
        "--format", "json", role="data_scientist",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) is True, "the nested call killed its caller's child"


# The real entry point, where the CLI process itself adopts escaped descendants


def test_real_cli_survives_segfault(cli, hostile, pid_file):
    hostile(SEGFAULT)
    completed = run_syftapi(
        "run", SEGFAULT.path, "--kw", f"pidfile={pid_file}",
        env={"SYFTAPI_TOKEN": cli.tokens["data_scientist"]},
    )
    assert_one_line_error(as_result(completed), 1)
    assert "SIGSEGV" in completed.stderr


@LINUX_ONLY
@pytest.mark.parametrize("case", [ESCAPE_THEN_RETURN, DAEMON], ids=case_id)
def test_real_cli_kills_escapees(cli, hostile, pid_file, case):
    hostile(case)
    completed = run_syftapi(
        "run", case.path, "--kw", f"pidfile={pid_file}",
        env={"SYFTAPI_TOKEN": cli.tokens["data_scientist"]},
    )
    assert completed.returncode == 0, completed.stderr
    pids = read_pids(pid_file)
    assert len(pids) == 2
    assert wait_until_stopped(pids, limit_s=3) == []
