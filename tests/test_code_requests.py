"""Code requests: submitting, listing, reviewing and withdrawing user code."""

import datetime
import json
import textwrap
from types import SimpleNamespace

import pytest

from tests.conftest import EMAILS, assert_one_line_error, run_syftapi, tree_digest

SAMPLE_CODE = "sample_endpoints.user_code:get_sample_fixed_length"
CODE_NAME = "get_sample_fixed_length"
FIRST_PRIVATE_ROW = {"data": "private_example"}
UNKNOWN_REQUEST_ID = "0123456789abcdef"

OWNER_CODE = """
import syftapi_cli as sy


@sy.syft_function(input_policy=sy.MixedInputPolicy(total="my_org.sum_numbers"))
def owner_total(total):
    return total(number_1=1, number_2=1)
"""

VERSIONED_CODE = """
import syftapi_cli as sy


@sy.syft_function(input_policy=sy.MixedInputPolicy(total="my_org.sum_numbers"))
def versioned(total):
    return total(number_1=1, number_2={second})
"""

PRIVATE_V2 = """
import syftapi_cli as sy


@sy.api_endpoint_method(settings={"api_key": "private-key-v2"})
def private_v2(context, length: int):
    import pandas as pd

    return pd.DataFrame({"data": ["changed_private"] * length})
"""


def succeeded(result) -> str:
    """Require exit 0 and return stdout."""
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def submit(cli, target: str = SAMPLE_CODE, role: str = "data_scientist") -> str:
    """Submit TARGET as ROLE and return the printed request id."""
    return succeeded(cli("code", "submit", target, role=role)).strip()


def write_module(tmp_path, text: str, filename: str) -> str:
    path = tmp_path / filename
    path.write_text(textwrap.dedent(text))
    return str(path)


def submit_owner_code(cli, tmp_path) -> str:
    """Submit the admin's own code `owner_total` and return its request id."""
    path = write_module(tmp_path, OWNER_CODE, "owner_code.py")
    return submit(cli, f"{path}:owner_total", role="admin")


def request_rows(cli, role: str = "admin", *options) -> list[dict]:
    return json.loads(succeeded(cli("requests", "list", *options, "--format", "json", role=role)))


def request_status(cli, request_id: str) -> str:
    output = succeeded(cli("requests", "show", request_id, "--format", "json", role="admin"))
    return json.loads(output)["status"]


def job_ids(cli) -> list[str]:
    rows = json.loads(succeeded(cli("jobs", "list", "--format", "json", role="admin")))
    return [row["id"] for row in rows]


def approve(cli, request_id: str) -> None:
    succeeded(cli("requests", "approve", request_id, "--yes", role="admin"))


def deny(cli, request_id: str, reason: str = "uses too many rows") -> None:
    succeeded(cli("requests", "deny", request_id, "--reason", reason, role="admin"))


def as_result(completed):
    """Adapt a CompletedProcess to the attributes assert_one_line_error reads."""
    return SimpleNamespace(
        exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr
    )


# The reference walkthrough's code-request steps


def test_walkthrough_code_steps_in_process(site, cli):
    submitted = cli("code", "submit", SAMPLE_CODE, "--format", "json", role="data_scientist")
    body = json.loads(succeeded(submitted))
    assert set(body) == {"request_id", "code"}
    assert body["code"] == CODE_NAME

    pending = cli("code", "run", CODE_NAME, role="data_scientist")
    assert_one_line_error(pending, 5)
    assert "awaits approval" in pending.stderr

    approved = cli("requests", "approve", "--yes", role="admin")
    succeeded(approved)
    assert body["request_id"] in approved.stderr
    assert request_status(cli, body["request_id"]) == "approved"

    first = cli("code", "run", CODE_NAME, "--format", "json", role="data_scientist")
    assert json.loads(succeeded(first)) == FIRST_PRIVATE_ROW
    jobs_after_first = job_ids(cli)

    second = cli("code", "run", CODE_NAME, "--format", "json", role="data_scientist")
    assert json.loads(succeeded(second)) == FIRST_PRIVATE_ROW
    assert "stored result" in second.stderr
    assert job_ids(cli) == jobs_after_first


def test_walkthrough_code_steps_subprocess(site, cli):
    base = {
        "SYFTAPI_HOME": str(site),
        "SYFTAPI_CONFIG_DIR": str(site.parent / "config"),
        "SYFTAPI_INSECURE_FAST_HASH": "1",
    }
    scientist = {**base, "SYFTAPI_TOKEN": cli.tokens["data_scientist"]}
    admin = {**base, "SYFTAPI_TOKEN": cli.tokens["admin"]}

    plain = run_syftapi("code", "submit", SAMPLE_CODE, env=scientist)
    assert plain.returncode == 0, plain.stderr
    request_id = plain.stdout.strip()
    as_json = run_syftapi("code", "submit", SAMPLE_CODE, "--format", "json", env=scientist)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == {"request_id": request_id, "code": CODE_NAME}

    pending = run_syftapi("code", "run", CODE_NAME, env=scientist)
    assert_one_line_error(as_result(pending), 5)
    assert "awaits approval" in pending.stderr

    approved = run_syftapi("requests", "approve", "--yes", env=admin)
    assert approved.returncode == 0, approved.stderr
    assert request_id in approved.stderr

    first = run_syftapi("code", "run", CODE_NAME, "--format", "json", env=scientist)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == FIRST_PRIVATE_ROW
    jobs_listed = run_syftapi("jobs", "list", "--format", "json", env=admin)
    jobs_after_first = json.loads(jobs_listed.stdout)

    second = run_syftapi("code", "run", CODE_NAME, "--format", "json", env=scientist)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == FIRST_PRIVATE_ROW
    assert "stored result" in second.stderr
    jobs_listed = run_syftapi("jobs", "list", "--format", "json", env=admin)
    assert json.loads(jobs_listed.stdout) == jobs_after_first


def test_submit_prints_request_id(site, cli):
    request_id = submit(cli)

    rows = request_rows(cli)
    assert [row["id"] for row in rows] == [request_id]


def test_approve_newest_pending_request(site, cli, tmp_path):
    older = submit(cli)
    newer = submit_owner_code(cli, tmp_path)

    succeeded(cli("requests", "approve", "--yes", role="admin"))
    assert request_status(cli, newer) == "approved"
    assert request_status(cli, older) == "pending"


def test_approve_without_pending_not_found(site, cli):
    before = tree_digest(site)
    result = cli("requests", "approve", "--yes", role="admin")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


# Submitting again


def test_same_code_reports_existing_request(site, cli):
    first = submit(cli)
    again = cli("code", "submit", SAMPLE_CODE, role="data_scientist")

    assert succeeded(again).strip() == first
    assert "unchanged" in again.stderr
    assert len(request_rows(cli)) == 1


def test_changed_code_new_version(site, cli, tmp_path):
    path = write_module(tmp_path, VERSIONED_CODE.format(second=1), "versioned.py")
    first = submit(cli, f"{path}:versioned")
    write_module(tmp_path, VERSIONED_CODE.format(second=200), "versioned.py")
    second = submit(cli, f"{path}:versioned")

    assert second != first
    detail = json.loads(succeeded(cli("code", "show", "versioned", "-f", "json", role="data_scientist")))
    assert detail["id"] == second
    assert detail["version"] == 2
    assert "number_2=200" in detail["source"]
    assert sorted(row["id"] for row in request_rows(cli)) == sorted([first, second])


def test_reverted_code_resolves_to_reported(site, cli, tmp_path):
    path = write_module(tmp_path, VERSIONED_CODE.format(second=1), "versioned.py")
    original = submit(cli, f"{path}:versioned")
    approve(cli, original)
    write_module(tmp_path, VERSIONED_CODE.format(second=200), "versioned.py")
    submit(cli, f"{path}:versioned")
    write_module(tmp_path, VERSIONED_CODE.format(second=1), "versioned.py")

    reported = submit(cli, f"{path}:versioned")
    detail = json.loads(succeeded(cli("code", "show", "versioned", "-f", "json", role="data_scientist")))
    assert reported == original
    assert detail["id"] == reported


# Listing and showing code


def test_code_list_status_and_inputs(site, cli):
    submit(cli)

    rows = json.loads(succeeded(cli("code", "list", "--format", "json", role="data_scientist")))
    assert len(rows) == 1
    assert rows[0]["code"] == CODE_NAME
    assert rows[0]["status"] == "pending"
    assert rows[0]["inputs"] == "data_endpoint=my_org.get_data_sample"
    assert rows[0]["requested_by"] == EMAILS["data_scientist"]


def test_code_show_table_with_source(site, cli):
    submit(cli)

    output = succeeded(cli("code", "show", CODE_NAME, role="data_scientist"))
    assert "pending" in output
    assert "data_endpoint=my_org.get_data_sample" in output
    assert "def get_sample_fixed_length(data_endpoint):" in output
    assert "    return data_endpoint(length=2).iloc[0]" in output
    assert "@sy." not in output


def test_code_list_only_own(site, cli, tmp_path):
    submit(cli)
    submit_owner_code(cli, tmp_path)

    scientist_rows = json.loads(succeeded(cli("code", "list", "-f", "json", role="data_scientist")))
    admin_rows = json.loads(succeeded(cli("code", "list", "-f", "json", role="admin")))
    assert [row["code"] for row in scientist_rows] == [CODE_NAME]
    assert sorted(row["code"] for row in admin_rows) == sorted([CODE_NAME, "owner_total"])


def test_code_show_others_not_found(site, cli, tmp_path):
    submit_owner_code(cli, tmp_path)

    before = tree_digest(site)
    other = cli("code", "show", "owner_total", role="data_scientist")
    unknown = cli("code", "show", "never_submitted", role="data_scientist")
    assert_one_line_error(other, 4)
    assert_one_line_error(unknown, 4)
    assert other.stderr.replace("owner_total", "NAME") == unknown.stderr.replace(
        "never_submitted", "NAME"
    )
    assert tree_digest(site) == before


def test_same_name_belongs_to_submitter(site, cli):
    scientist_request = submit(cli)
    admin_request = submit(cli, role="admin")
    approve(cli, admin_request)

    assert admin_request != scientist_request
    result = cli("code", "run", CODE_NAME, role="data_scientist")
    assert_one_line_error(result, 5)
    assert scientist_request in result.stderr


# Listing and showing requests


def test_requests_list_json_fields(site, cli):
    request_id = submit(cli)

    rows = request_rows(cli)
    assert len(rows) == 1
    row = rows[0]
    assert {"id", "code", "requested_by", "status", "created_at"} <= set(row)
    assert row["id"] == request_id
    assert row["code"] == CODE_NAME
    assert row["requested_by"] == EMAILS["data_scientist"]
    assert row["status"] == "pending"
    assert datetime.datetime.fromisoformat(row["created_at"]).tzinfo is not None


def test_requests_list_status_filter(site, cli, tmp_path):
    pending = submit(cli)
    approved = submit_owner_code(cli, tmp_path)
    approve(cli, approved)

    for status, expected in (("pending", [pending]), ("approved", [approved]), ("denied", [])):
        rows = request_rows(cli, "admin", "--status", status)
        assert [row["id"] for row in rows] == expected, status


def test_requests_list_invalid_status(site, cli):
    submit(cli)

    before = tree_digest(site)
    result = cli("requests", "list", "--status", "finished", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_requests_list_scientist_sees_own(site, cli, tmp_path):
    own = submit(cli)
    submit_owner_code(cli, tmp_path)

    rows = request_rows(cli, "data_scientist")
    assert [row["id"] for row in rows] == [own]


def test_requests_show_details(site, cli, tmp_path):
    private_v2 = write_module(tmp_path, PRIVATE_V2, "private_v2.py")
    succeeded(cli("endpoint", "update", "my_org.get_data_sample", "--private", f"{private_v2}:private_v2", role="admin"))
    request_id = submit(cli)
    created_at = request_rows(cli)[0]["created_at"]

    output = succeeded(cli("requests", "show", request_id, role="admin"))
    assert "def get_sample_fixed_length(data_endpoint):" in output
    assert "data_endpoint=my_org.get_data_sample" in output
    assert EMAILS["data_scientist"] in output
    assert created_at in output
    assert "endpoint my_org.get_data_sample: code version 2 at submission" in output


def test_requests_show_json_versions(site, cli):
    request_id = submit(cli)

    detail = json.loads(succeeded(cli("requests", "show", request_id, "-f", "json", role="admin")))
    assert detail["id"] == request_id
    assert detail["requested_by"] == EMAILS["data_scientist"]
    assert detail["source"].startswith("def get_sample_fixed_length(data_endpoint):")
    assert detail["input_versions"]["my_org.get_data_sample"]["submitted"] == 1


def test_requests_show_others_not_found(site, cli, tmp_path):
    owner_request = submit_owner_code(cli, tmp_path)

    before = tree_digest(site)
    result = cli("requests", "show", owner_request, role="data_scientist")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


# Reviewing


@pytest.mark.parametrize("role", ["data_scientist", "guest"])
def test_approve_by_non_owner_denied(site, cli, role):
    request_id = submit(cli)

    before = tree_digest(site)
    result = cli("requests", "approve", request_id, "--yes", role=role)
    assert_one_line_error(result, 3)
    assert tree_digest(site) == before
    assert request_status(cli, request_id) == "pending"


@pytest.mark.parametrize("role", ["data_scientist", "guest"])
def test_approve_newest_by_non_owner_denied(site, cli, role):
    request_id = submit(cli)

    before = tree_digest(site)
    result = cli("requests", "approve", "--yes", role=role)
    assert_one_line_error(result, 3)
    assert tree_digest(site) == before
    assert request_status(cli, request_id) == "pending"


def test_deny_by_scientist_denied(site, cli):
    request_id = submit(cli)

    before = tree_digest(site)
    result = cli("requests", "deny", request_id, "--reason", "no", role="data_scientist")
    assert_one_line_error(result, 3)
    assert tree_digest(site) == before


def test_data_owner_approves_request(site, cli):
    request_id = submit(cli)

    succeeded(cli("requests", "approve", request_id, "--yes", role="data_owner"))
    assert request_status(cli, request_id) == "approved"


def test_denied_run_shows_reason(site, cli):
    request_id = submit(cli)
    deny(cli, request_id, reason="the sample is too large")

    result = cli("code", "run", CODE_NAME, role="data_scientist")
    assert_one_line_error(result, 5)
    assert "the sample is too large" in result.stderr
    assert request_status(cli, request_id) == "denied"


def test_deny_empty_reason_rejected(site, cli):
    request_id = submit(cli)

    before = tree_digest(site)
    result = cli("requests", "deny", request_id, "--reason", "  ", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_approve_without_yes_rejected(site, cli):
    request_id = submit(cli)

    before = tree_digest(site)
    result = cli("requests", "approve", request_id, role="admin")
    assert_one_line_error(result, 2)
    assert "--yes" in result.stderr
    assert tree_digest(site) == before
    assert request_status(cli, request_id) == "pending"


def test_deny_approved_request_rejected(site, cli):
    request_id = submit(cli)
    approve(cli, request_id)

    before = tree_digest(site)
    result = cli("requests", "deny", request_id, "--reason", "too late", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# Withdrawing


def test_withdraw_pending_request(site, cli):
    request_id = submit(cli)

    withdrawn = cli("code", "withdraw", CODE_NAME, role="data_scientist")
    succeeded(withdrawn)
    assert request_id in withdrawn.stderr
    assert request_status(cli, request_id) == "withdrawn"

    run = cli("code", "run", CODE_NAME, role="data_scientist")
    assert_one_line_error(run, 5)
    assert "withdrawn" in run.stderr


def test_withdrawn_request_not_approvable(site, cli):
    request_id = submit(cli)
    succeeded(cli("code", "withdraw", CODE_NAME, role="data_scientist"))

    before = tree_digest(site)
    result = cli("requests", "approve", request_id, "--yes", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_withdrawn_code_submits_anew(site, cli):
    first = submit(cli)
    succeeded(cli("code", "withdraw", CODE_NAME, role="data_scientist"))

    second = submit(cli)
    assert second != first
    assert request_status(cli, second) == "pending"


def test_withdraw_approved_rejected(site, cli):
    request_id = submit(cli)
    approve(cli, request_id)

    before = tree_digest(site)
    result = cli("code", "withdraw", CODE_NAME, role="data_scientist")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before
    assert request_status(cli, request_id) == "approved"


# Rejected commands change nothing


def unknown_code_name(cli, tmp_path):
    submit(cli)
    return ["code", "run", "never_submitted"], "data_scientist"


def others_code_run(cli, tmp_path):
    request_id = submit_owner_code(cli, tmp_path)
    approve(cli, request_id)
    return ["code", "run", "owner_total"], "data_scientist"


def approve_approved(cli, tmp_path):
    request_id = submit(cli)
    approve(cli, request_id)
    return ["requests", "approve", request_id, "--yes"], "admin"


def approve_denied(cli, tmp_path):
    request_id = submit(cli)
    deny(cli, request_id)
    return ["requests", "approve", request_id, "--yes"], "admin"


def approve_unknown_id(cli, tmp_path):
    submit(cli)
    return ["requests", "approve", UNKNOWN_REQUEST_ID, "--yes"], "admin"


def deny_unknown_id(cli, tmp_path):
    return ["requests", "deny", UNKNOWN_REQUEST_ID, "--reason", "unknown"], "admin"


def show_unknown_id(cli, tmp_path):
    return ["requests", "show", "not-a-request"], "admin"


def submit_endpoint_target(cli, tmp_path):
    return ["code", "submit", "sample_endpoints.walkthrough:sum_numbers"], "data_scientist"


def submit_missing_attribute(cli, tmp_path):
    return ["code", "submit", "sample_endpoints.user_code:no_such_code"], "data_scientist"


def guest_submits(cli, tmp_path):
    return ["code", "submit", SAMPLE_CODE], "guest"


def guest_runs(cli, tmp_path):
    return ["code", "run", CODE_NAME], "guest"


@pytest.mark.parametrize(
    ("prepare", "exit_code"),
    [
        (unknown_code_name, 4),
        (others_code_run, 4),
        (approve_approved, 2),
        (approve_denied, 2),
        (approve_unknown_id, 4),
        (deny_unknown_id, 4),
        (show_unknown_id, 4),
        (submit_endpoint_target, 2),
        (submit_missing_attribute, 2),
        (guest_submits, 3),
        (guest_runs, 3),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_rejected_command_changes_nothing(site, cli, tmp_path, prepare, exit_code):
    args, role = prepare(cli, tmp_path)

    before = tree_digest(site)
    result = cli(*args, role=role)
    assert_one_line_error(result, exit_code)
    assert tree_digest(site) == before
