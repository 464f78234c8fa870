"""Role permissions: every role against every action, with exact exit codes.

A denied action fails with one stderr line and changes nothing in the datasite.
"""

import json
import sys
from dataclasses import dataclass
from typing import Callable

import pytest

from tests.conftest import EMAILS, assert_one_line_error, tree_digest

ROLES = ("admin", "data_owner", "data_scientist", "guest")
TWIN = "my_org.get_data_sample"
PUBLIC = "my_org.sum_numbers"
EXTRA_EMAIL = "extra@example.org"
NEW_PASSWORD = "new-user-password"
SECRETS = ("mock-key-1234", "private-key-5678")

EXTRA_ENDPOINT_SOURCE = """\
import syftapi_cli as sy


@sy.api_endpoint(path="my_org.extra_admin", description="Add two numbers.")
def extra_admin(context, a: int, b: int) -> int:
    return a + b


@sy.api_endpoint(path="my_org.extra_data_owner", description="Add two numbers.")
def extra_data_owner(context, a: int, b: int) -> int:
    return a + b
"""


def write_endpoint_module(cli, tmp_path):
    module = tmp_path / "extra_endpoints.py"
    module.write_text(EXTRA_ENDPOINT_SOURCE)
    return {"module": str(module)}


def add_extra_endpoints(cli, tmp_path):
    values = write_endpoint_module(cli, tmp_path)
    added = cli("endpoint", "add", values["module"], role="admin")
    assert added.exit_code == 0, added.stderr
    return values


def add_spare_pools(cli, tmp_path):
    for role in ROLES:
        added = cli("pool", "add", f"spare-{role}", "--python", sys.executable, role="admin")
        assert added.exit_code == 0, added.stderr
    return {}


def run_admin_job(cli, tmp_path):
    ran = cli("run", PUBLIC, "--kw", "number_1=2", "--kw", "number_2=3", role="admin")
    assert ran.exit_code == 0, ran.stderr
    listed = cli("jobs", "list", "--format", "json", role="admin")
    assert listed.exit_code == 0, listed.stderr
    return {"job": json.loads(listed.stdout)[0]["id"]}


def register_extra(extra_role):
    def prepare(cli, tmp_path):
        registered = cli(
            "users", "register", "--email", EXTRA_EMAIL, "--name", "Extra", "--role", extra_role,
            "--password-stdin", input=NEW_PASSWORD + "\n", role="admin",
        )
        assert registered.exit_code == 0, registered.stderr
        return {}

    return prepare


def create_spare_tokens(cli, tmp_path):
    for role in ROLES:
        created = cli("token", "create", "--name", "spare", role=role)
        assert created.exit_code == 0, created.stderr
    return {}


@dataclass(frozen=True)
class Action:
    """One command line and the exit code that each role gets for it."""

    name: str
    # Arguments may contain {role} and the fields that `prepare` returns.
    argv: tuple
    # Exit codes for admin, data_owner, data_scientist and guest, in that order.
    codes: tuple
    stdin: str | None = None
    # Runs once before any role acts and returns the values for argv's fields.
    prepare: Callable | None = None

    def expected(self) -> dict:
        return dict(zip(ROLES, self.codes))


def register_action(name, role, codes):
    return Action(
        name,
        ("users", "register", "--email", "new-{role}@example.org", "--name", "New", "--role", role,
         "--password-stdin"),
        codes,
        stdin=NEW_PASSWORD + "\n",
    )


ACTIONS = [
    Action("endpoint-list", ("endpoint", "list", "--format", "json"), (0, 0, 0, 0)),
    Action("endpoint-show", ("endpoint", "show", TWIN, "--format", "json"), (0, 0, 0, 0)),
    Action("show-secrets", ("endpoint", "show", TWIN, "--show-secrets", "--format", "json"), (0, 0, 3, 3)),
    Action("state-show", ("state", "show", TWIN, "--format", "json"), (0, 0, 3, 3)),
    Action("state-reset", ("state", "reset", TWIN), (0, 0, 3, 3)),
    Action("run-public", ("run", PUBLIC, "--kw", "number_1=2", "--kw", "number_2=3"), (0, 0, 0, 0)),
    Action("run-mock", ("run", TWIN, "--mock", "--kw", "length=1"), (0, 0, 0, 0)),
    Action("run-private", ("run", TWIN, "--private", "--kw", "length=1"), (0, 0, 3, 3)),
    Action(
        "endpoint-add", ("endpoint", "add", "{module}:extra_{role}"), (0, 0, 3, 3),
        prepare=write_endpoint_module,
    ),
    Action("endpoint-update", ("endpoint", "update", PUBLIC, "--timeout", "30"), (0, 0, 3, 3)),
    Action(
        "endpoint-delete", ("endpoint", "delete", "my_org.extra_{role}", "--yes"), (0, 0, 3, 3),
        prepare=add_extra_endpoints,
    ),
    Action("pool-add", ("pool", "add", "extra-{role}", "--python", sys.executable), (0, 0, 3, 3)),
    Action("pool-list", ("pool", "list", "--format", "json"), (0, 0, 3, 3)),
    Action(
        "pool-delete", ("pool", "delete", "spare-{role}", "--yes"), (0, 0, 3, 3),
        prepare=add_spare_pools,
    ),
    Action("jobs-list", ("jobs", "list", "--format", "json"), (0, 0, 0, 3)),
    Action(
        "jobs-show-other", ("jobs", "show", "{job}", "--format", "json"), (0, 0, 4, 3),
        prepare=run_admin_job,
    ),
    register_action("register-scientist", "data_scientist", (0, 0, 3, 3)),
    register_action("register-guest", "guest", (0, 0, 3, 3)),
    register_action("register-data-owner", "data_owner", (0, 3, 3, 3)),
    register_action("register-admin", "admin", (0, 3, 3, 3)),
    Action(
        "set-role-scientist", ("users", "set-role", EXTRA_EMAIL, "data_scientist"), (0, 0, 3, 3),
        prepare=register_extra("guest"),
    ),
    Action(
        "set-role-data-owner", ("users", "set-role", EXTRA_EMAIL, "data_owner"), (0, 3, 3, 3),
        prepare=register_extra("guest"),
    ),
    Action(
        "set-role-admin", ("users", "set-role", EXTRA_EMAIL, "admin"), (0, 3, 3, 3),
        prepare=register_extra("guest"),
    ),
    Action(
        "demote-admin", ("users", "set-role", EXTRA_EMAIL, "data_scientist"), (0, 3, 3, 3),
        prepare=register_extra("admin"),
    ),
    Action(
        "demote-data-owner", ("users", "set-role", EXTRA_EMAIL, "guest"), (0, 3, 3, 3),
        prepare=register_extra("data_owner"),
    ),
    Action(
        "delete-user", ("users", "delete", EXTRA_EMAIL, "--yes"), (0, 3, 3, 3),
        prepare=register_extra("guest"),
    ),
    Action(
        "reset-password", ("users", "set-password", EXTRA_EMAIL, "--password-stdin"), (0, 3, 3, 3),
        stdin=NEW_PASSWORD + "\n", prepare=register_extra("guest"),
    ),
    Action("token-create", ("token", "create", "--name", "ci"), (0, 0, 0, 0)),
    Action("token-list", ("token", "list", "--format", "json"), (0, 0, 0, 0)),
    Action(
        "token-revoke", ("token", "revoke", "spare", "--yes"), (0, 0, 0, 0),
        prepare=create_spare_tokens,
    ),
    Action(
        "account-password", ("account", "set-password", "--password-stdin"), (0, 0, 0, 0),
        stdin=NEW_PASSWORD + "\n",
    ),
]

# Roles act from the lowest up, so that a change a higher role may make cannot
# alter the target that a lower role is checked against. Where two roles may
# make the same change, {role} in the arguments gives each its own target.
ACTING_ORDER = ("guest", "data_scientist", "data_owner", "admin")


KNOWN_BUGS: dict[str, str] = {}


def matrix_params():
    for action in ACTIONS:
        marks = []
        if action.name in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(reason=KNOWN_BUGS[action.name], strict=True))
        yield pytest.param(action, id=action.name, marks=marks)


@pytest.mark.parametrize("action", list(matrix_params()))
def test_permission_matrix(cli, site, tmp_path, action):
    values = action.prepare(cli, tmp_path) if action.prepare else {}
    results = {}
    unchanged = {}
    for role in ACTING_ORDER:
        argv = [part.format(role=role, **values) for part in action.argv]
        before = tree_digest(site)
        results[role] = cli(*argv, input=action.stdin, role=role)
        unchanged[role] = tree_digest(site) == before

    observed = {role: results[role].exit_code for role in ROLES}
    stderr = {role: results[role].stderr.strip() for role in ROLES}
    assert observed == action.expected(), (observed, stderr)
    for role, code in action.expected().items():
        if code == 0:
            continue
        assert_one_line_error(results[role], code)
        assert unchanged[role], role


def test_matrix_covers_every_role():
    for action in ACTIONS:
        assert len(action.codes) == len(ROLES), action.name


# Endpoint views by role


def show_twin(cli, role, *options):
    result = cli("endpoint", "show", TWIN, *options, role=role)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.mark.parametrize("role", ["data_scientist", "guest"])
def test_members_see_mock_only(cli, site, role):
    view = json.loads(show_twin(cli, role, "--format", "json").stdout)
    assert "mock_example" in view["mock_code"]
    assert view["private_code"] is None
    assert view.get("mock_settings") is None
    assert view.get("private_settings") is None
    for fmt in ("table", "json", "csv"):
        output = show_twin(cli, role, "--format", fmt).stdout
        assert "private_example" not in output, fmt
        for secret in SECRETS:
            assert secret not in output, (fmt, secret)


def test_owners_see_private_code(cli, site):
    for role in ("admin", "data_owner"):
        masked = json.loads(show_twin(cli, role, "--format", "json").stdout)
        assert "private_example" in masked["private_code"], role
        assert set(masked["private_settings"]) == {"api_key"}, role
        assert masked["private_settings"]["api_key"] != SECRETS[1], role
        assert masked["mock_settings"]["api_key"] != SECRETS[0], role

        unmasked = json.loads(show_twin(cli, role, "--show-secrets", "--format", "json").stdout)
        assert unmasked["mock_settings"] == {"api_key": SECRETS[0]}, role
        assert unmasked["private_settings"] == {"api_key": SECRETS[1]}, role


def test_hidden_mock_by_role(cli, site):
    hidden = cli("endpoint", "update", TWIN, "--hide-mock-definition", role="admin")
    assert hidden.exit_code == 0, hidden.stderr
    for role in ROLES:
        view = json.loads(show_twin(cli, role, "--format", "json").stdout)
        if role in ("admin", "data_owner"):
            assert view["mock_code"] is not None, role
        else:
            assert view["mock_code"] is None, role


# Runs: which side each role gets


def test_default_side_by_role(cli, site):
    expected = {
        "admin": "private_example",
        "data_owner": "private_example",
        "data_scientist": "mock_example",
        "guest": "mock_example",
    }
    for role, row in expected.items():
        result = cli("run", TWIN, "--kw", "length=1", "--format", "json", role=role)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == [{"data": row}], role


# Jobs: everyone's for owners, one's own for data scientists


@pytest.fixture
def jobs_by_role(cli, site):
    """One public run by each of admin, data scientist and guest."""
    for role in ("admin", "data_scientist", "guest"):
        ran = cli("run", PUBLIC, "--kw", "number_1=1", "--kw", "number_2=1", role=role)
        assert ran.exit_code == 0, ran.stderr
    listed = cli("jobs", "list", "--format", "json", role="admin")
    return {job["user"]: job["id"] for job in json.loads(listed.stdout)}


def listed_job_users(cli, role, *options):
    result = cli("jobs", "list", "--format", "json", *options, role=role)
    assert result.exit_code == 0, result.stderr
    return sorted(job["user"] for job in json.loads(result.stdout))


def test_jobs_list_by_role(cli, jobs_by_role):
    everyone = sorted([EMAILS["admin"], EMAILS["data_scientist"], EMAILS["guest"]])
    assert listed_job_users(cli, "admin") == everyone
    assert listed_job_users(cli, "data_owner") == everyone
    assert listed_job_users(cli, "data_scientist") == [EMAILS["data_scientist"]]

    filtered = cli("jobs", "list", "--user", EMAILS["admin"], "--format", "json", role="data_scientist")
    assert EMAILS["admin"] not in filtered.stdout


def test_jobs_show_own_only(cli, jobs_by_role, site):
    own_id = jobs_by_role[EMAILS["data_scientist"]]
    own = cli("jobs", "show", own_id, "--format", "json", role="data_scientist")
    assert own.exit_code == 0, own.stderr
    assert json.loads(own.stdout)["id"] == own_id

    before = tree_digest(site)
    for owner in ("admin", "guest"):
        job_id = jobs_by_role[EMAILS[owner]]
        result = cli("jobs", "show", job_id, role="data_scientist")
        assert_one_line_error(result, 4)
        assert job_id in result.stderr
    assert tree_digest(site) == before


def test_missing_and_hidden_jobs_match(cli, jobs_by_role):
    hidden_id = jobs_by_role[EMAILS["admin"]]
    missing_id = "0" * len(hidden_id)
    hidden = cli("jobs", "show", hidden_id, role="data_scientist")
    missing = cli("jobs", "show", missing_id, role="data_scientist")
    assert hidden.exit_code == missing.exit_code
    assert hidden.stderr.replace(hidden_id, "ID") == missing.stderr.replace(missing_id, "ID")
