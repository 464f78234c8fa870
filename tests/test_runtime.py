"""The runtime: worker processes, timeouts, captured logs, errors, redaction and isolation."""

import base64
import json
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import EMAILS, PASSWORDS, assert_one_line_error

# Contains a double quote and a backslash, so that its JSON-escaped form
# differs from its plain form.
SECRET = 'tok"en\\secret-4242'

RUNTIME_MODULE = '''
import base64
import json
import os
import subprocess
import sys
import time

import syftapi_cli as sy

SECRET = {secret!r}


@sy.api_endpoint(path="rt.pid")
def worker_pid(context):
    return os.getpid()


@sy.api_endpoint(path="rt.sleepy", endpoint_timeout=2)
def sleepy(context, pidfile: str):
    children = [subprocess.Popen(["sleep", "300"]) for _ in range(2)]
    pids = [os.getpid()] + [child.pid for child in children]
    with open(pidfile, "w") as handle:
        handle.write(" ".join(map(str, pids)))
    print("children started", flush=True)
    time.sleep(120)


@sy.api_endpoint(path="rt.inner_sleepy", endpoint_timeout=60)
def inner_sleepy(context, pidfile: str):
    child = subprocess.Popen(["sleep", "300"])
    with open(pidfile, "w") as handle:
        handle.write(f"{{os.getpid()}} {{child.pid}}")
    time.sleep(50)


@sy.api_endpoint(path="rt.outer", endpoint_timeout=2)
def outer(context, pidfile: str):
    context.user_client.api.services.rt.inner_sleepy(pidfile=pidfile)


@sy.api_endpoint(path="rt.exits")
def exits(context):
    os._exit(3)


@sy.api_endpoint(path="rt.chatty")
def chatty(context):
    print("line on stdout")
    print("line on stderr", file=sys.stderr)
    return "done"


@sy.api_endpoint_method()
def failing_mock(context):
    raise ValueError("mock side failed")


@sy.api_endpoint_method()
def failing_private(context):
    raise ValueError("private side failed")


failing = sy.TwinAPIEndpoint(
    path="rt.failing", mock_function=failing_mock, private_function=failing_private
)


@sy.api_endpoint(path="rt.leaky", settings={{"api_key": SECRET}})
def leaky(context):
    key = context.settings["api_key"]
    print("plain", key)
    print("json", json.dumps(key))
    print("base64", base64.b64encode(key.encode()).decode())
    print("repr", repr(key))
    print("unescaped", json.dumps(key + "é", ensure_ascii=False))
    return "printed"


@sy.api_endpoint_method(settings={{"api_key": SECRET}})
def leaky_error(context):
    key = context.settings["api_key"]
    encoded = base64.b64encode(key.encode()).decode()
    raise RuntimeError(f"plain={{key}} json={{json.dumps(key)}} base64={{encoded}}")


raising = sy.TwinAPIEndpoint(
    path="rt.raising", mock_function=leaky_error, private_function=leaky_error
)


@sy.api_endpoint(path="rt.environ", settings={{"api_key": SECRET}})
def environ(context):
    return dict(os.environ)


@sy.api_endpoint(path="rt.argv", settings={{"api_key": SECRET}})
def argv(context):
    with open("/proc/self/cmdline", "rb") as handle:
        return handle.read().decode(errors="replace")
'''

SECRET_FORMS = {
    "plain": SECRET,
    "json": json.dumps(SECRET)[1:-1],
    "base64": base64.b64encode(SECRET.encode()).decode(),
}


@pytest.fixture
def add_endpoint(cli, site, tmp_path):
    """Return a function that registers endpoints of RUNTIME_MODULE by attribute name."""
    module = tmp_path / "runtime_endpoints.py"
    module.write_text(textwrap.dedent(RUNTIME_MODULE.format(secret=SECRET)))

    def add(*attributes: str) -> None:
        for attribute in attributes:
            added = cli("endpoint", "add", f"{module}:{attribute}", role="admin")
            assert added.exit_code == 0, added.stderr

    return add


def is_running(pid: int) -> bool:
    """Return whether PID exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rpartition(")")[2].split()[0]
    return state not in ("Z", "X")


def wait_until_stopped(pids: list[int], limit_s: float) -> list[int]:
    """Poll until no PID is running or LIMIT_S passes, then return the PIDs still running."""
    deadline = time.monotonic() + limit_s
    running = [pid for pid in pids if is_running(pid)]
    while running and time.monotonic() < deadline:
        time.sleep(0.1)
        running = [pid for pid in running if is_running(pid)]
    return running


@pytest.fixture
def pid_file(tmp_path):
    """A file that an endpoint writes its pids to. Pids still running at teardown are killed."""
    path = tmp_path / "pids.txt"
    yield path
    if path.exists():
        for pid in map(int, path.read_text().split()):
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


def newest_job(cli, role: str) -> dict:
    listed = cli("jobs", "list", "--limit", "1", "--format", "json", role=role)
    assert listed.exit_code == 0, listed.stderr
    return json.loads(listed.stdout)[0]


def show_job(cli, role: str, job_id: str) -> dict:
    show_result = cli("jobs", "show", job_id, "--format", "json", role=role)
    assert show_result.exit_code == 0, show_result.stderr
    return json.loads(show_result.stdout)


# Worker processes


def test_run_uses_worker_process(cli, add_endpoint):
    add_endpoint("worker_pid")
    result = cli("run", "rt.pid", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    worker = json.loads(result.stdout)
    assert worker != os.getpid()
    assert not is_running(worker)


def test_run_records_one_job(cli, add_endpoint):
    add_endpoint("worker_pid")
    result = cli("run", "rt.pid", role="guest")
    assert result.exit_code == 0, result.stderr
    listed = cli("jobs", "list", "--format", "json", role="admin")
    jobs = json.loads(listed.stdout)
    assert len(jobs) == 1
    assert jobs[0]["endpoint"] == "rt.pid"
    assert jobs[0]["status"] == "completed"


# Timeouts


def test_timeout_kills_process_group(cli, add_endpoint, pid_file):
    add_endpoint("sleepy")
    started = time.monotonic()
    result = cli("run", "rt.sleepy", "--kw", f"pidfile={pid_file}", role="admin")
    elapsed = time.monotonic() - started
    assert_one_line_error(result, 1)
    assert "timed out" in result.stderr
    assert elapsed < 10
    pids = [int(pid) for pid in pid_file.read_text().split()]
    assert len(pids) == 3
    assert wait_until_stopped(pids, limit_s=3) == []


def test_timeout_job_status(cli, add_endpoint, pid_file):
    add_endpoint("sleepy")
    result = cli("run", "rt.sleepy", "--kw", f"pidfile={pid_file}", role="admin")
    assert result.exit_code == 1
    job = newest_job(cli, "admin")
    assert job["endpoint"] == "rt.sleepy"
    assert job["status"] == "timed_out"
    assert job["id"] in result.stderr
    details = show_job(cli, "admin", job["id"])
    assert "children started" in details["logs"]


def test_timeout_kills_nested_worker(cli, add_endpoint, pid_file):
    add_endpoint("inner_sleepy", "outer")
    result = cli("run", "rt.outer", "--kw", f"pidfile={pid_file}", role="admin")
    assert result.exit_code == 1
    # An inner worker stopped before it writes its pids leaves nothing to check.
    deadline = time.monotonic() + 3
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = [int(pid) for pid in pid_file.read_text().split()] if pid_file.exists() else []
    assert wait_until_stopped(pids, limit_s=2) == []


def test_worker_exit_records_error(cli, add_endpoint):
    add_endpoint("exits")
    result = cli("run", "rt.exits", role="data_scientist")
    assert_one_line_error(result, 1)
    job = newest_job(cli, "data_scientist")
    assert job["status"] == "errored"
    assert job["id"] in result.stderr


# Captured output


def test_output_goes_to_logs(cli, add_endpoint):
    add_endpoint("chatty")
    result = cli("run", "rt.chatty", role="data_scientist")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "line on" not in result.stderr
    logs = show_job(cli, "data_scientist", newest_job(cli, "data_scientist")["id"])["logs"]
    assert "line on stdout" in logs
    assert "line on stderr" in logs


# Errors


@pytest.mark.parametrize("role", ["admin", "data_owner"])
def test_owner_error_traceback(cli, add_endpoint, role):
    add_endpoint("failing")
    result = cli("run", "rt.failing", role=role)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "ValueError: private side failed" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: ")
    assert newest_job(cli, role)["id"] in last_line


def test_scientist_mock_error_line(cli, add_endpoint):
    add_endpoint("failing")
    result = cli("run", "rt.failing", role="data_scientist")
    assert_one_line_error(result, 1)
    assert "mock side failed" in result.stderr
    assert newest_job(cli, "data_scientist")["id"] in result.stderr


def test_scientist_job_hides_traceback(cli, add_endpoint):
    add_endpoint("failing")
    cli("run", "rt.failing", role="data_scientist")
    job = show_job(cli, "data_scientist", newest_job(cli, "data_scientist")["id"])
    assert job["status"] == "errored"
    assert "traceback" not in job["error"]


def test_owner_job_keeps_traceback(cli, add_endpoint):
    add_endpoint("failing")
    cli("run", "rt.failing", role="admin")
    job = show_job(cli, "admin", newest_job(cli, "admin")["id"])
    assert "ValueError" in job["error"]["traceback"]


# Redaction of settings values


def test_logs_redact_secret(cli, add_endpoint):
    add_endpoint("leaky")
    result = cli("run", "rt.leaky", role="admin")
    assert result.exit_code == 0, result.stderr
    logs = show_job(cli, "admin", newest_job(cli, "admin")["id"])["logs"]
    for form, text in SECRET_FORMS.items():
        assert text not in logs, form
    assert logs.splitlines() == [
        "plain ***",
        'json "***"',
        "base64 ***",
        "repr '***'",
        'unescaped "***é"',
    ]


@pytest.mark.parametrize("role", ["admin", "data_scientist"])
def test_errors_redact_secret(cli, add_endpoint, role):
    add_endpoint("raising")
    result = cli("run", "rt.raising", role=role)
    assert result.exit_code == 1
    assert "***" in result.stderr
    job = show_job(cli, role, newest_job(cli, role)["id"])
    stored_error = "\n".join(str(value) for value in job["error"].values())
    for form, text in SECRET_FORMS.items():
        assert text not in result.stderr, form
        assert text not in stored_error, form


# What the worker receives


@pytest.mark.parametrize(
    "login_env",
    [
        {},
        {"SYFTAPI_USER": EMAILS["guest"], "SYFTAPI_PASSWORD": PASSWORDS["guest"]},
    ],
    ids=["token", "password"],
)
def test_environment_drops_syftapi_vars(cli, add_endpoint, login_env):
    add_endpoint("environ")
    role = "guest" if not login_env else None
    env = {"SYFTAPI_DEBUG": "0", **login_env}
    result = cli("run", "rt.environ", "--format", "json", role=role, env=env)
    assert result.exit_code == 0, result.stderr
    environment = json.loads(result.stdout)
    assert [name for name in environment if name.startswith("SYFTAPI_")] == []
    assert not any(PASSWORDS["guest"] in value for value in environment.values())
    assert not any(cli.tokens["guest"] in value for value in environment.values())


def test_environment_lacks_settings(cli, add_endpoint):
    add_endpoint("environ")
    result = cli("run", "rt.environ", "--format", "json", role="guest")
    environment = json.loads(result.stdout)
    assert not any(SECRET in value for value in environment.values())


def test_argv_lacks_settings(cli, add_endpoint):
    add_endpoint("argv")
    result = cli("run", "rt.argv", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    command_line = json.loads(result.stdout)
    assert "worker" in command_line
    assert SECRET not in command_line
    assert SECRET_FORMS["json"] not in command_line
    assert SECRET_FORMS["base64"] not in command_line


@pytest.mark.parametrize(
    "printed",
    [
        json.dumps('p"a\\ss/é✓+/=x', ensure_ascii=False),
        json.dumps('p"a\\ss/é✓+/=x'),
        repr('p"a\\ss/é✓+/=x'),
        ascii('p"a\\ss/é✓+/=x'),
    ],
    ids=["json_unicode", "json_ascii", "repr", "ascii"],
)
def test_redact_non_ascii_forms(printed):
    from syftapi_cli.services.redact import redact, secret_values

    secrets = secret_values({"api_key": 'p"a\\ss/é✓+/=x'})
    assert redact(f"value {printed} end", secrets) in (
        'value "***" end',
        "value '***' end",
    )
