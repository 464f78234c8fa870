"""`syftapi jobs`: listing with filters and paging, showing one job, and pruning."""

import json
import textwrap

import pytest

from syftapi_cli.services import jobs as jobs_service
from syftapi_cli.services.roles import Identity
from syftapi_cli.store import Datasite
from tests.conftest import EMAILS, assert_one_line_error, tree_digest

SUM = "my_org.sum_numbers"
PAIR = "jobs_test.pair"
LIST_KEYS = {"id", "endpoint", "code", "user", "side", "status", "started_at", "duration_s"}

JOBS_MODULE = '''
import syftapi_cli as sy


@sy.api_endpoint(path="jobs_test.fail")
def fail(context):
    raise KeyError("no such row")


@sy.api_endpoint_method()
def pair_mock(context):
    return "mock"


@sy.api_endpoint_method()
def pair_private(context):
    return "private"


pair = sy.TwinAPIEndpoint(
    path="jobs_test.pair", mock_function=pair_mock, private_function=pair_private
)
'''


@pytest.fixture
def jobs_site(cli, site, tmp_path):
    module = tmp_path / "jobs_endpoints.py"
    module.write_text(textwrap.dedent(JOBS_MODULE))
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr
    return site


def run_sum(cli, role: str, first: int = 2) -> None:
    result = cli("run", SUM, "--kw", f"number_1={first}", "--kw", "number_2=3", role=role)
    assert result.exit_code == 0, result.stderr


def run_pair(cli, role: str) -> None:
    result = cli("run", PAIR, role=role)
    assert result.exit_code == 0, result.stderr


def list_jobs(cli, role: str, *args) -> list[dict]:
    listed = cli("jobs", "list", *args, "--format", "json", role=role)
    assert listed.exit_code == 0, listed.stderr
    return json.loads(listed.stdout)


def show_job(cli, role: str, job_id: str) -> dict:
    show_result = cli("jobs", "show", job_id, "--format", "json", role=role)
    assert show_result.exit_code == 0, show_result.stderr
    return json.loads(show_result.stdout)


@pytest.fixture
def mixed_jobs(cli, jobs_site):
    """Create runs by two users over three endpoints, one of which fails, oldest first."""
    run_sum(cli, "admin")
    run_pair(cli, "data_scientist")
    failed = cli("run", "jobs_test.fail", role="admin")
    assert failed.exit_code == 1
    run_sum(cli, "data_scientist")
    return jobs_site


# Listing


def test_list_json_fields(cli, mixed_jobs):
    jobs = list_jobs(cli, "admin")
    assert len(jobs) == 4
    for job in jobs:
        assert set(job) == LIST_KEYS
    newest = jobs[0]
    assert newest["endpoint"] == SUM
    assert newest["code"] is None
    assert newest["user"] == EMAILS["data_scientist"]
    assert newest["status"] == "completed"
    assert isinstance(newest["duration_s"], float)
    assert [job["side"] for job in jobs] == ["public", "public", "mock", "public"]


def test_list_newest_first(cli, mixed_jobs):
    jobs = list_jobs(cli, "admin")
    endpoints = [job["endpoint"] for job in jobs]
    assert endpoints == [SUM, "jobs_test.fail", PAIR, SUM]
    started = [job["started_at"] for job in jobs]
    assert started == sorted(started, reverse=True)


def test_list_filters(cli, mixed_jobs):
    cases = [
        (("--endpoint", SUM), [SUM, SUM]),
        (("--status", "errored"), ["jobs_test.fail"]),
        (("--status", "completed"), [SUM, PAIR, SUM]),
        (("--user", EMAILS["data_scientist"]), [SUM, PAIR]),
        (("--endpoint", SUM, "--user", EMAILS["admin"]), [SUM]),
        (("--endpoint", PAIR, "--status", "errored"), []),
    ]
    for args, expected in cases:
        endpoints = [job["endpoint"] for job in list_jobs(cli, "admin", *args)]
        assert endpoints == expected, args
    admin_jobs = list_jobs(cli, "admin", "--user", EMAILS["admin"])
    assert {job["user"] for job in admin_jobs} == {EMAILS["admin"]}


def test_list_invalid_status(cli, site):
    result = cli("jobs", "list", "--status", "finished", role="admin")
    assert_one_line_error(result, 2)


def test_list_limit_offset(cli, mixed_jobs):
    everything = [job["id"] for job in list_jobs(cli, "admin")]
    first_page = [job["id"] for job in list_jobs(cli, "admin", "--limit", "2")]
    second_page = [
        job["id"] for job in list_jobs(cli, "admin", "--limit", "2", "--offset", "2")
    ]
    assert first_page == everything[:2]
    assert second_page == everything[2:4]
    assert list_jobs(cli, "admin", "--offset", "4") == []


def test_list_default_limit_fifty(cli, site):
    # Fifty job records written through the jobs service stand in for older runs,
    # so that the test does not start fifty workers.
    datasite = Datasite.open(site)
    scientist = Identity(EMAILS["data_scientist"], "Data_Scientist", "data_scientist")
    for _ in range(50):
        jobs_service.create(datasite, scientist, SUM, None, "public")
    run_sum(cli, "data_scientist", first=1)
    run_sum(cli, "data_scientist", first=2)
    jobs = list_jobs(cli, "admin")
    assert len(jobs) == 50
    assert [job["status"] for job in jobs[:2]] == ["completed", "completed"]
    rest = list_jobs(cli, "admin", "--offset", "50")
    assert len(rest) == 2
    assert {job["id"] for job in jobs}.isdisjoint(job["id"] for job in rest)


# One user's view


def test_scientist_sees_own_jobs(cli, mixed_jobs):
    jobs = list_jobs(cli, "data_scientist")
    assert len(jobs) == 2
    assert {job["user"] for job in jobs} == {EMAILS["data_scientist"]}
    assert list_jobs(cli, "data_scientist", "--user", EMAILS["admin"]) == []


def test_scientist_other_job_not_found(cli, mixed_jobs):
    admin_job = list_jobs(cli, "admin", "--user", EMAILS["admin"])[0]
    result = cli("jobs", "show", admin_job["id"], role="data_scientist")
    assert_one_line_error(result, 4)
    assert result.stdout == ""


def test_unknown_job_not_found(cli, site):
    result = cli("jobs", "show", "0123456789abcde", role="admin")
    assert_one_line_error(result, 4)


def test_guest_list_denied(cli, site):
    result = cli("jobs", "list", role="guest")
    assert_one_line_error(result, 3)


# Showing one job


def test_show_json_adds_logs_error(cli, mixed_jobs):
    job_id = list_jobs(cli, "admin", "--status", "errored")[0]["id"]
    job = show_job(cli, "admin", job_id)
    assert LIST_KEYS | {"logs", "error"} <= set(job)
    assert job["logs"] == ""
    assert job["error"]["type"] == "KeyError"
    assert "no such row" in job["error"]["message"]


def test_show_matches_list_fields(cli, mixed_jobs):
    listed = list_jobs(cli, "admin")[0]
    job = show_job(cli, "admin", listed["id"])
    assert {key: job[key] for key in LIST_KEYS} == listed


def test_show_json_result(cli, mixed_jobs):
    job_id = list_jobs(cli, "admin", "--endpoint", SUM)[0]["id"]
    job = show_job(cli, "admin", job_id)
    assert set(job) == LIST_KEYS | {"logs", "error", "result"}
    assert job["result"] == 5


def test_failed_run_records_job(cli, jobs_site):
    result = cli("run", "jobs_test.fail", role="admin")
    assert result.exit_code == 1
    jobs = list_jobs(cli, "admin")
    assert len(jobs) == 1
    assert jobs[0]["status"] == "errored"
    assert jobs[0]["id"] in result.stderr
    assert jobs[0]["duration_s"] is not None


# Pruning


def test_prune_removes_jobs_logs(cli, mixed_jobs):
    result = cli("jobs", "prune", "--older-than", "0", "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "4" in result.stderr
    assert list_jobs(cli, "admin") == []
    assert list((mixed_jobs / "jobs").iterdir()) == []
    assert list((mixed_jobs / "results").iterdir()) == []


def test_prune_keeps_recent_jobs(cli, site):
    run_sum(cli, "admin")
    result = cli("jobs", "prune", "--older-than", "1", "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert len(list_jobs(cli, "admin")) == 1


def test_prune_needs_yes(cli, site):
    run_sum(cli, "admin")
    before = tree_digest(site)
    result = cli("jobs", "prune", "--older-than", "0", role="admin")
    assert_one_line_error(result, 2)
    assert "--yes" in result.stderr
    assert tree_digest(site) == before


def test_prune_owners_only(cli, site):
    run_sum(cli, "data_scientist")
    before = tree_digest(site)
    for role in ("data_scientist", "guest"):
        result = cli("jobs", "prune", "--older-than", "0", "--yes", role=role)
        assert_one_line_error(result, 3)
    assert tree_digest(site) == before
