"""The real `python -m syftapi_cli` entry point, run as separate processes."""

import json
import textwrap
from types import SimpleNamespace

from tests.conftest import EMAILS, PASSWORDS, assert_one_line_error, run_syftapi

SAMPLE = "my_org.get_data_sample"
UPDATED_MOCK = "Oh, look, I updated the mock function!"

ENVIRONMENT_MODULE = '''
import os

import syftapi_cli as sy


@sy.api_endpoint(path="proc.environment")
def environment(context):
    return sorted(name for name in os.environ if name.startswith("SYFTAPI"))
'''


def as_result(completed):
    """Adapt a CompletedProcess to the attributes assert_one_line_error reads."""
    return SimpleNamespace(
        exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr
    )


def syftapi_ok(*args, input=None, env=None) -> str:
    """Run syftapi, require exit 0, and return its stdout."""
    completed = run_syftapi(*args, input=input, env=env)
    assert completed.returncode == 0, (args, completed.stderr)
    return completed.stdout


def create_datasite() -> dict:
    """Create a datasite with the admin logged in, and return the data scientist's environment."""
    syftapi_ok(
        "init", "--admin-email", EMAILS["admin"], "--password-stdin",
        input=PASSWORDS["admin"] + "\n",
    )
    syftapi_ok(
        "users", "register", "--email", EMAILS["data_scientist"], "--name", "Data Scientist",
        "--role", "data_scientist", "--password-stdin",
        input=PASSWORDS["data_scientist"] + "\n",
    )
    token = syftapi_ok(
        "token", "create", "--name", "walkthrough",
        env={
            "SYFTAPI_USER": EMAILS["data_scientist"],
            "SYFTAPI_PASSWORD": PASSWORDS["data_scientist"],
        },
    ).strip()
    return {"SYFTAPI_TOKEN": token}


def test_walkthrough_end_to_end(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    scientist = create_datasite()
    added = run_syftapi("endpoint", "add", "sample_endpoints.walkthrough")
    assert added.returncode == 0, added.stderr
    assert SAMPLE in added.stderr

    # The public endpoint, for both users.
    for env in (None, scientist):
        total = syftapi_ok(
            "run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3",
            "--format", "json", env=env,
        )
        assert total == "5\n"

    # The twin: mock for the data scientist, private for the admin.
    mock_rows = [{"data": "mock_example"}, {"data": "another_mock_example"}]
    private_rows = [{"data": "private_example"}, {"data": "another_private_example"}]
    scientist_run = syftapi_ok("run", SAMPLE, "--kw", "length=2", "-f", "json", env=scientist)
    assert json.loads(scientist_run) == mock_rows
    explicit_mock = syftapi_ok(
        "run", SAMPLE, "--mock", "--kw", "length=2", "-f", "json", env=scientist
    )
    assert json.loads(explicit_mock) == mock_rows
    denied = run_syftapi("run", SAMPLE, "--private", "--kw", "length=2", env=scientist)
    assert_one_line_error(as_result(denied), 3)
    admin_private = syftapi_ok("run", SAMPLE, "--private", "--kw", "length=2", "-f", "json")
    assert json.loads(admin_private) == private_rows
    admin_default = syftapi_ok("run", SAMPLE, "--kw", "length=2", "-f", "json")
    assert json.loads(admin_default) == private_rows
    admin_mock = syftapi_ok("run", SAMPLE, "--mock", "--kw", "length=2", "-f", "json")
    assert json.loads(admin_mock) == mock_rows

    # JSON and CSV stay free of colour codes even when colour is forced.
    colour = {**scientist, "FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "TERM": "xterm-256color"}
    for fmt in ("json", "csv"):
        printed = syftapi_ok("run", SAMPLE, "--kw", "length=2", "--format", fmt, env=colour)
        assert "\x1b" not in printed, fmt

    # Code views: the data scientist receives the mock code only.
    scientist_view = json.loads(syftapi_ok("endpoint", "show", SAMPLE, "-f", "json", env=scientist))
    assert "mock_example" in scientist_view["mock_code"]
    assert scientist_view["private_code"] is None
    assert "mock-key-1234" not in json.dumps(scientist_view)
    admin_view = json.loads(syftapi_ok("endpoint", "show", SAMPLE, "-f", "json"))
    assert "private_example" in admin_view["private_code"]

    # Replace the mock.
    syftapi_ok("endpoint", "update", SAMPLE, "--mock", "sample_endpoints.walkthrough:updated_mock")
    updated = syftapi_ok("run", SAMPLE, "--kw", "length=2", "-f", "json", env=scientist)
    assert json.loads(updated) == UPDATED_MOCK
    still_private = syftapi_ok("run", SAMPLE, "--kw", "length=2", "-f", "json")
    assert json.loads(still_private) == private_rows

    # Hide the mock definition.
    syftapi_ok("endpoint", "update", SAMPLE, "--hide-mock-definition")
    hidden = json.loads(syftapi_ok("endpoint", "show", SAMPLE, "-f", "json", env=scientist))
    assert hidden["mock_code"] is None
    owner_view = json.loads(syftapi_ok("endpoint", "show", SAMPLE, "-f", "json"))
    assert UPDATED_MOCK in owner_view["mock_code"]

    # Set the timeout.
    syftapi_ok("endpoint", "update", SAMPLE, "--timeout", "120")
    listed = json.loads(syftapi_ok("endpoint", "list", "-f", "json"))
    timeouts = {row["path"]: row["timeout"] for row in listed}
    assert timeouts[SAMPLE] == 120

    # Delete the endpoint.
    unconfirmed = run_syftapi("endpoint", "delete", SAMPLE)
    assert_one_line_error(as_result(unconfirmed), 2)
    syftapi_ok("endpoint", "delete", SAMPLE, "--yes")
    remaining = json.loads(syftapi_ok("endpoint", "list", "-f", "json"))
    assert [row["path"] for row in remaining] == ["my_org.sum_numbers"]
    deleted_run = run_syftapi("run", SAMPLE, "--kw", "length=2", env=scientist)
    assert_one_line_error(as_result(deleted_run), 4)


def test_missing_datasite_message(tmp_path):
    completed = run_syftapi("endpoint", "list", env={"SYFTAPI_HOME": str(tmp_path / "none")})
    assert_one_line_error(as_result(completed), 4)
    assert "syftapi init" in completed.stderr


def test_missing_datasite_debug_traceback(tmp_path):
    completed = run_syftapi(
        "--debug", "endpoint", "list", env={"SYFTAPI_HOME": str(tmp_path / "none")}
    )
    assert completed.returncode == 4
    assert "Traceback" in completed.stderr
    assert "syftapi init" in completed.stderr


def test_debug_variable_traceback(tmp_path):
    completed = run_syftapi(
        "jobs", "list", env={"SYFTAPI_HOME": str(tmp_path / "none"), "SYFTAPI_DEBUG": "1"}
    )
    assert completed.returncode == 4
    assert "Traceback" in completed.stderr


def test_worker_environment_no_syftapi(tmp_path):
    scientist = create_datasite()
    module = tmp_path / "environment_endpoint.py"
    module.write_text(textwrap.dedent(ENVIRONMENT_MODULE))
    syftapi_ok("endpoint", "add", module)
    for env in (
        scientist,
        {
            "SYFTAPI_USER": EMAILS["data_scientist"],
            "SYFTAPI_PASSWORD": PASSWORDS["data_scientist"],
        },
    ):
        names = json.loads(syftapi_ok("run", "proc.environment", "-f", "json", env=env))
        assert names == [], sorted(env)
