"""Running approved user code against endpoints, and code submitted from inside endpoints."""

import json
import re
import textwrap
from types import SimpleNamespace

import pytest

from tests.conftest import EMAILS, assert_one_line_error, run_syftapi, tree_digest

SAMPLE_PATH = "my_org.get_data_sample"
NESTED_RUN_TIMEOUT_S = 90

USER_CODE = """
import syftapi_cli as sy


@sy.syft_function(input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"))
def three_ways(data):
    return {
        "call": data(length=1)["data"].tolist(),
        "mock": data.mock(length=1)["data"].tolist(),
        "private": data.private(length=1)["data"].tolist(),
    }


@sy.syft_function(input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"))
def first_row(data):
    return data(length=1)["data"][0]


@sy.syft_function(input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"))
def raises_error(data):
    first = data(length=1)["data"][0]
    raise ValueError("leaked " + first)


@sy.syft_function(
    input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"),
    output_policy=sy.OutputPolicyExecuteCount(limit=2),
)
def counted(data):
    import uuid

    data(length=1)
    return uuid.uuid4().hex


@sy.syft_function(
    input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample"),
    output_policy=None,
)
def unlimited(data):
    import uuid

    data(length=1)
    return uuid.uuid4().hex


@sy.syft_function(
    input_policy=sy.MixedInputPolicy(data="my_org.get_data_sample", factor=sy.Constant(val=10)),
)
def scaled(data, factor, length: int, label: str = "scaled"):
    return {label: length * factor, "rows": len(data(length=length))}


@sy.syft_function(input_policy=sy.MixedInputPolicy(total="my_org.sum_numbers"))
def public_total(total, offset: int):
    return total(number_1=offset, number_2=offset)


@sy.syft_function_single_use(data="my_org.get_data_sample")
def fails_once(data):
    data(length=1)
    raise ValueError("failed after reading")


@sy.syft_function_single_use(data="my_org.get_data_sample")
def returns_nothing(data):
    data(length=1)
"""

PRIVATE_V2 = """
import syftapi_cli as sy


@sy.api_endpoint_method(settings={"api_key": "private-key-v2"})
def private_v2(context, length: int):
    import pandas as pd

    return pd.DataFrame({"data": ["changed_private"] * length})
"""

QUERY_SOURCE = (
    "def query_sample(data):\n"
    "    return data(length=2).head(1)\n"
)

SUBMITTING_ENDPOINTS = """
import syftapi_cli as sy


@sy.api_endpoint(path="my_org.submit_query", description="Submit a sample query for review.")
def submit_query(context):
    @sy.syft_function_single_use(data="my_org.get_data_sample")
    def query_sample(data):
        return data(length=2).head(1)

    return context.user_client.code.request_code_execution(query_sample)
"""

CALLING_ENDPOINTS = """
import syftapi_cli as sy


@sy.api_endpoint(path="calls.add_through_client", endpoint_timeout=60)
def add_through_client(context, a: int, b: int):
    return context.user_client.api.services.my_org.sum_numbers(number_1=a, number_2=b)


@sy.api_endpoint(path="calls.first_sample_row", endpoint_timeout=60)
def first_sample_row(context):
    return context.user_client.api.services.my_org.get_data_sample(length=1)["data"][0]


@sy.api_endpoint(path="calls.countdown", endpoint_timeout=60)
def countdown(context, n: int):
    if n <= 0:
        return 0
    return 1 + context.user_client.api.services.calls.countdown(n=n - 1)


@sy.api_endpoint(path="calls.ping", endpoint_timeout=60)
def ping(context, n: int):
    if n <= 0:
        return "ping"
    return context.user_client.api.services.calls.pong(n=n - 1)


@sy.api_endpoint(path="calls.pong", endpoint_timeout=60)
def pong(context, n: int):
    if n <= 0:
        return "pong"
    return context.user_client.api.services.calls.ping(n=n - 1)
"""


def succeeded(result) -> str:
    """Require exit 0 and return stdout."""
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def write_module(tmp_path, text: str, filename: str) -> str:
    path = tmp_path / filename
    path.write_text(textwrap.dedent(text))
    return str(path)


@pytest.fixture
def user_code(tmp_path):
    """Path of a module holding the user code these tests submit."""
    return write_module(tmp_path, USER_CODE, "analysis.py")


def submit_and_approve(cli, user_code: str, name: str) -> str:
    """Submit user code NAME as the data scientist, approve it, and return the request id."""
    request_id = succeeded(cli("code", "submit", f"{user_code}:{name}", role="data_scientist")).strip()
    succeeded(cli("requests", "approve", request_id, "--yes", role="admin"))
    return request_id


def run_code(cli, name: str, *options):
    return cli("code", "run", name, "--format", "json", *options, role="data_scientist")


def code_jobs(cli, name: str) -> list[dict]:
    rows = json.loads(succeeded(cli("jobs", "list", "--format", "json", role="admin")))
    return [row for row in rows if row["code"] == name]


def as_result(completed):
    """Adapt a CompletedProcess to the attributes assert_one_line_error reads."""
    return SimpleNamespace(
        exit_code=completed.returncode, stdout=completed.stdout, stderr=completed.stderr
    )


def subprocess_env(site, cli, role: str) -> dict:
    return {
        "SYFTAPI_HOME": str(site),
        "SYFTAPI_CONFIG_DIR": str(site.parent / "config"),
        "SYFTAPI_INSECURE_FAST_HASH": "1",
        "SYFTAPI_TOKEN": cli.tokens[role],
    }


# Calling endpoint inputs


def test_input_call_mock_and_private(site, cli, user_code):
    submit_and_approve(cli, user_code, "three_ways")

    result = json.loads(succeeded(run_code(cli, "three_ways")))
    assert result["call"] == ["private_example"]
    assert result["mock"] == ["mock_example"]
    assert result["private"] == ["private_example"]


def test_input_call_runs_as_submitter(site, cli, user_code):
    submit_and_approve(cli, user_code, "first_row")

    succeeded(run_code(cli, "first_row"))
    rows = json.loads(succeeded(cli("jobs", "list", "--endpoint", SAMPLE_PATH, "-f", "json", role="admin")))
    assert len(rows) == 1
    assert rows[0]["user"] == EMAILS["data_scientist"]
    assert rows[0]["side"] == "private"


def test_extra_parameters_from_kw(site, cli, user_code):
    submit_and_approve(cli, user_code, "scaled")

    result = run_code(cli, "scaled", "--kw", "length=2", "--kw", "label=total")
    assert json.loads(succeeded(result)) == {"total": 20, "rows": 2}


def test_public_input_callable(site, cli, user_code):
    submit_and_approve(cli, user_code, "public_total")

    result = run_code(cli, "public_total", "--kw", "offset=2")
    assert json.loads(succeeded(result)) == 4


def test_missing_kw_rejected_before_run(site, cli, user_code):
    submit_and_approve(cli, user_code, "scaled")

    before = tree_digest(site)
    result = run_code(cli, "scaled")
    assert_one_line_error(result, 2)
    assert "length" in result.stderr
    assert tree_digest(site) == before


def test_unknown_kw_rejected(site, cli, user_code):
    submit_and_approve(cli, user_code, "scaled")

    before = tree_digest(site)
    result = run_code(cli, "scaled", "--kw", "length=1", "--kw", "factor=5")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# Errors in user code


def test_user_code_error_hides_details(site, cli, user_code):
    submit_and_approve(cli, user_code, "raises_error")

    result = run_code(cli, "raises_error")
    assert_one_line_error(result, 1)
    assert "ValueError" in result.stderr
    assert "leaked" not in result.stderr
    assert "private_example" not in result.stderr
    assert "private_example" not in result.stdout


def test_error_job_keeps_traceback(site, cli, user_code):
    submit_and_approve(cli, user_code, "raises_error")

    result = run_code(cli, "raises_error")
    match = re.search(r"\(job ([0-9a-f]+)\)", result.stderr)
    assert match, result.stderr
    job_id = match.group(1)

    job = json.loads(succeeded(cli("jobs", "show", job_id, "--format", "json", role="admin")))
    assert job["status"] == "errored"
    assert job["code"] == "raises_error"
    assert "Traceback" in job["error"]["traceback"]
    assert 'raise ValueError("leaked " + first)' in job["error"]["traceback"]
    assert "ValueError: leaked private_example" in job["error"]["traceback"]


def test_error_job_hidden_from_submitter(site, cli, user_code):
    submit_and_approve(cli, user_code, "raises_error")

    result = run_code(cli, "raises_error")
    job_id = re.search(r"\(job ([0-9a-f]+)\)", result.stderr).group(1)

    output = succeeded(cli("jobs", "show", job_id, "--format", "json", role="data_scientist"))
    assert "Traceback" not in output
    assert "leaked" not in output


def test_failed_run_uses_run_allowance(site, cli, user_code):
    submit_and_approve(cli, user_code, "fails_once")

    first = run_code(cli, "fails_once")
    assert first.exit_code == 1
    detail = json.loads(succeeded(cli("code", "show", "fails_once", "-f", "json", role="data_scientist")))
    assert detail["runs"] == 1
    again = run_code(cli, "fails_once")
    assert_one_line_error(again, 5)
    assert "no result is stored" in again.stderr
    assert len(code_jobs(cli, "fails_once")) == 1


# Run limits


def test_execute_count_two_then_stored(site, cli, user_code):
    submit_and_approve(cli, user_code, "counted")

    first = run_code(cli, "counted")
    second = run_code(cli, "counted")
    third = run_code(cli, "counted")
    assert json.loads(succeeded(first)) != json.loads(succeeded(second))
    assert json.loads(succeeded(third)) == json.loads(second.stdout)
    assert "note" not in second.stderr
    assert "stored result" in third.stderr
    assert len(code_jobs(cli, "counted")) == 2


def test_unlimited_code_runs_each_time(site, cli, user_code):
    submit_and_approve(cli, user_code, "unlimited")

    results = [json.loads(succeeded(run_code(cli, "unlimited"))) for _ in range(3)]
    assert len(set(results)) == 3
    assert len(code_jobs(cli, "unlimited")) == 3


def test_single_use_none_result_stored(site, cli, user_code):
    submit_and_approve(cli, user_code, "returns_nothing")

    first = run_code(cli, "returns_nothing")
    second = run_code(cli, "returns_nothing")
    assert json.loads(succeeded(first)) is None
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout) is None


# Input endpoints changed after approval


def test_private_update_needs_reapproval(site, cli, user_code, tmp_path):
    request_id = submit_and_approve(cli, user_code, "first_row")
    assert json.loads(succeeded(run_code(cli, "first_row"))) == "private_example"
    private_v2 = write_module(tmp_path, PRIVATE_V2, "private_v2.py")
    updated = cli("endpoint", "update", SAMPLE_PATH, "--private", f"{private_v2}:private_v2", role="admin")
    succeeded(updated)

    blocked = run_code(cli, "first_row")
    assert_one_line_error(blocked, 5)
    assert SAMPLE_PATH in blocked.stderr
    assert "changed" in blocked.stderr
    assert request_id in blocked.stderr

    detail = json.loads(succeeded(cli("code", "show", "first_row", "-f", "json", role="data_scientist")))
    assert detail["status"] == "approved (inputs changed)"

    succeeded(cli("requests", "approve", request_id, "--yes", role="admin"))
    assert json.loads(succeeded(run_code(cli, "first_row"))) == "changed_private"


def test_readded_input_needs_reapproval(site, cli, user_code):
    request_id = submit_and_approve(cli, user_code, "first_row")
    succeeded(cli("endpoint", "delete", SAMPLE_PATH, "--yes", role="admin"))
    readded = cli("endpoint", "add", "sample_endpoints.walkthrough:get_data_sample", role="admin")
    succeeded(readded)

    blocked = run_code(cli, "first_row")
    assert_one_line_error(blocked, 5)
    assert "deleted and added again" in blocked.stderr
    assert request_id in blocked.stderr

    succeeded(cli("requests", "approve", request_id, "--yes", role="admin"))
    assert json.loads(succeeded(run_code(cli, "first_row"))) == "private_example"


def test_deleted_input_endpoint_not_found(site, cli, user_code):
    submit_and_approve(cli, user_code, "first_row")
    succeeded(cli("endpoint", "delete", SAMPLE_PATH, "--yes", role="admin"))

    before = tree_digest(site)
    result = run_code(cli, "first_row")
    assert_one_line_error(result, 4)
    assert SAMPLE_PATH in result.stderr
    assert tree_digest(site) == before


# Code submitted from inside an endpoint


@pytest.fixture
def submitting_endpoint(site, cli, tmp_path):
    path = write_module(tmp_path, SUBMITTING_ENDPOINTS, "submitting.py")
    succeeded(cli("endpoint", "add", path, role="admin"))
    return "my_org.submit_query"


def test_endpoint_submits_as_caller(site, cli, submitting_endpoint):
    ran = cli("run", submitting_endpoint, "--format", "json", role="data_scientist")
    submitted = json.loads(succeeded(ran))
    assert submitted["code"] == "query_sample"

    rows = json.loads(succeeded(cli("requests", "list", "-f", "json", role="admin")))
    assert len(rows) == 1
    assert rows[0]["id"] == submitted["request_id"]
    assert rows[0]["requested_by"] == EMAILS["data_scientist"]
    assert rows[0]["requested_by"] != EMAILS["admin"]


def test_endpoint_submission_shows_inner_source(site, cli, submitting_endpoint):
    ran = cli("run", submitting_endpoint, "--format", "json", role="data_scientist")
    request_id = json.loads(succeeded(ran))["request_id"]

    detail = json.loads(succeeded(cli("requests", "show", request_id, "-f", "json", role="admin")))
    assert detail["source"] == QUERY_SOURCE
    assert detail["inputs"] == "data=my_org.get_data_sample"


def test_endpoint_submission_runs_after_approval(site, cli, submitting_endpoint):
    ran = cli("run", submitting_endpoint, "--format", "json", role="data_scientist")
    request_id = json.loads(succeeded(ran))["request_id"]
    succeeded(cli("requests", "approve", request_id, "--yes", role="admin"))

    result = run_code(cli, "query_sample")
    assert json.loads(succeeded(result)) == [{"data": "private_example"}]


def test_guest_endpoint_submission_rejected(site, cli, submitting_endpoint):
    result = cli("run", submitting_endpoint, role="guest")
    assert result.exit_code != 0, result.stdout
    rows = json.loads(succeeded(cli("requests", "list", "-f", "json", role="admin")))
    assert rows == []


# Endpoints calling endpoints


@pytest.fixture
def calling_endpoints(site, cli, tmp_path):
    path = write_module(tmp_path, CALLING_ENDPOINTS, "calling.py")
    succeeded(cli("endpoint", "add", path, role="admin"))


def test_call_other_endpoint_through_client(site, cli, calling_endpoints):
    completed = run_syftapi(
        "run", "calls.add_through_client", "--kw", "a=2", "--kw", "b=3", "--format", "json",
        env=subprocess_env(site, cli, "data_scientist"),
        timeout=NESTED_RUN_TIMEOUT_S,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == 5


@pytest.mark.parametrize(
    ("role", "expected"),
    [("data_scientist", "mock_example"), ("admin", "private_example")],
)
def test_user_client_acts_as_caller(site, cli, calling_endpoints, role, expected):
    result = cli("run", "calls.first_sample_row", "--format", "json", role=role)
    assert json.loads(succeeded(result)) == expected


@pytest.mark.parametrize(
    "args",
    [
        ["calls.countdown", "--kw", "n=3"],
        ["calls.ping", "--kw", "n=3"],
    ],
    ids=["calls-itself", "mutual-calls"],
)
def test_recursive_call_finishes(site, cli, calling_endpoints, args):
    completed = run_syftapi(
        "run", *args,
        env=subprocess_env(site, cli, "data_scientist"),
        timeout=NESTED_RUN_TIMEOUT_S,
    )
    assert completed.returncode in (0, 1), completed.stderr
    if completed.returncode == 1:
        assert_one_line_error(as_result(completed), 1)
        assert "calls itself" in completed.stderr
