"""`syftapi run`: which side runs for which role, and what endpoint code receives in `context`."""

import json
import textwrap

import pytest

from tests.conftest import EMAILS, assert_one_line_error, tree_digest

SAMPLE = "my_org.get_data_sample"
MOCK_ROWS = [{"data": "mock_example"}, {"data": "another_mock_example"}]
ROLES = ("admin", "data_owner", "data_scientist", "guest")
PRIVATE_ROWS = [{"data": "private_example"}, {"data": "another_private_example"}]

CONTEXT_MODULE = '''
import syftapi_cli as sy


def double(value):
    return 2 * value


def shout(text):
    return text.upper() + "!"


@sy.api_endpoint(
    path="ctx.settings",
    settings={"greeting": "hello", "limit": 3, "nested": {"tags": ["a", "b"]}},
)
def read_settings(context):
    return context.settings


@sy.api_endpoint_method(settings={"api_key": "mock-key-0001"})
def mock_key(context):
    return context.settings["api_key"]


@sy.api_endpoint_method(settings={"api_key": "private-key-0002"})
def private_key(context):
    return context.settings["api_key"]


keys = sy.TwinAPIEndpoint(
    path="ctx.keys", mock_function=mock_key, private_function=private_key
)


@sy.api_endpoint_method()
def count_mock(context):
    context.state["count"] = context.state.get("count", 0) + 1
    return context.state["count"]


@sy.api_endpoint_method()
def count_private(context):
    context.state["count"] = context.state.get("count", 0) + 1
    return context.state["count"]


counter = sy.TwinAPIEndpoint(
    path="ctx.counter", mock_function=count_mock, private_function=count_private
)


@sy.api_endpoint(path="ctx.whoami")
def whoami(context):
    return {
        "email": context.user.email,
        "name": context.user.name,
        "role": context.user.role,
    }


@sy.api_endpoint(path="ctx.helpers", helper_functions=[double, shout])
def use_helpers(context, value: int, text: str):
    return [context.code.double(value), context.code.shout(text)]


@sy.api_endpoint(path="ctx.nested_user")
def nested_user(context):
    frame = context.user_client.api.services.my_org.get_data_sample(length=1)
    return frame.iloc[0]["data"]


@sy.api_endpoint(path="ctx.nested_admin")
def nested_admin(context):
    frame = context.admin_client.api.services.my_org.get_data_sample(length=1)
    return frame.iloc[0]["data"]


@sy.api_endpoint(path="ctx.nested_whoami")
def nested_whoami(context):
    return {
        "user_client": context.user_client.api.services.ctx.whoami(),
        "admin_client": context.admin_client.api.services.ctx.whoami(),
    }
'''


def run_json(cli, role: str, path: str, *args) -> object:
    """Run PATH as ROLE with `--format json` and return the decoded result."""
    result = cli("run", path, *args, "--format", "json", role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def add_endpoint(cli, site, tmp_path):
    """Return a function that registers endpoints of CONTEXT_MODULE by attribute name."""
    module = tmp_path / "context_endpoints.py"
    module.write_text(textwrap.dedent(CONTEXT_MODULE))

    def add(*attributes: str) -> None:
        for attribute in attributes:
            added = cli("endpoint", "add", f"{module}:{attribute}", role="admin")
            assert added.exit_code == 0, added.stderr

    return add


# Side selection and permissions


def test_public_sum_any_role(cli, site):
    for role in ROLES:
        result = cli(
            "run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3",
            "--format", "json", role=role,
        )
        assert result.exit_code == 0, (role, result.stderr)
        assert result.stdout == "5\n", role


def test_public_sum_table_text(cli, site):
    result = cli(
        "run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3",
        role="guest",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "5"


def test_twin_default_side_by_role(cli, site):
    expected = {
        "admin": PRIVATE_ROWS,
        "data_owner": PRIVATE_ROWS,
        "data_scientist": MOCK_ROWS,
        "guest": MOCK_ROWS,
    }
    for role, rows in expected.items():
        assert run_json(cli, role, SAMPLE, "--kw", "length=2") == rows, role


def test_private_flag_denied(cli, site):
    before = tree_digest(site)
    for role in ("data_scientist", "guest"):
        result = cli("run", SAMPLE, "--private", "--kw", "length=2", role=role)
        assert_one_line_error(result, 3)
        assert result.stdout == "", role
    assert tree_digest(site) == before


def test_private_flag_data_owner(cli, site):
    assert run_json(cli, "data_owner", SAMPLE, "--private", "--kw", "length=2") == PRIVATE_ROWS


def test_mock_flag_for_admin(cli, site):
    assert run_json(cli, "admin", SAMPLE, "--mock", "--kw", "length=2") == MOCK_ROWS


def test_mock_and_private_together(cli, site):
    before = tree_digest(site)
    result = cli("run", SAMPLE, "--mock", "--private", "--kw", "length=2", role="admin")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# context.settings


def test_settings_from_definition(cli, add_endpoint):
    add_endpoint("read_settings")
    settings = run_json(cli, "guest", "ctx.settings")
    assert settings == {"greeting": "hello", "limit": 3, "nested": {"tags": ["a", "b"]}}


def test_settings_per_twin_side(cli, add_endpoint):
    add_endpoint("keys")
    assert run_json(cli, "admin", "ctx.keys", "--mock") == "mock-key-0001"
    assert run_json(cli, "admin", "ctx.keys", "--private") == "private-key-0002"


# context.state and the state commands


def test_state_persists_between_runs(cli, add_endpoint):
    add_endpoint("counter")
    counts = [run_json(cli, "admin", "ctx.counter", "--mock") for _ in range(3)]
    assert counts == [1, 2, 3]


def test_state_separate_per_side(cli, add_endpoint):
    add_endpoint("counter")
    run_json(cli, "admin", "ctx.counter", "--mock")
    run_json(cli, "admin", "ctx.counter", "--mock")
    assert run_json(cli, "admin", "ctx.counter", "--private") == 1
    assert run_json(cli, "data_scientist", "ctx.counter") == 3


def test_state_show_counter(cli, add_endpoint):
    add_endpoint("counter")
    run_json(cli, "admin", "ctx.counter", "--mock")
    run_json(cli, "admin", "ctx.counter", "--mock")
    run_json(cli, "admin", "ctx.counter", "--private")
    mock_state = cli("state", "show", "ctx.counter", "--mock", "--format", "json", role="admin")
    assert mock_state.exit_code == 0, mock_state.stderr
    assert json.loads(mock_state.stdout) == {"count": 2}
    private_state = cli("state", "show", "ctx.counter", "--format", "json", role="data_owner")
    assert private_state.exit_code == 0, private_state.stderr
    assert json.loads(private_state.stdout) == {"count": 1}


def test_state_reset_clears_counter(cli, add_endpoint):
    add_endpoint("counter")
    run_json(cli, "admin", "ctx.counter", "--mock")
    run_json(cli, "admin", "ctx.counter", "--mock")
    run_json(cli, "admin", "ctx.counter", "--private")
    reset = cli("state", "reset", "ctx.counter", "--mock", role="admin")
    assert reset.exit_code == 0, reset.stderr
    state_after = cli("state", "show", "ctx.counter", "--mock", "--format", "json", role="admin")
    assert json.loads(state_after.stdout) == {}
    assert run_json(cli, "admin", "ctx.counter", "--mock") == 1
    assert run_json(cli, "admin", "ctx.counter", "--private") == 2


def test_state_commands_owners_only(cli, site, add_endpoint):
    add_endpoint("counter")
    run_json(cli, "admin", "ctx.counter", "--mock")
    before = tree_digest(site)
    for role in ("data_scientist", "guest"):
        for command in ("show", "reset"):
            result = cli("state", command, "ctx.counter", "--mock", role=role)
            assert_one_line_error(result, 3)
            assert result.stdout == "", (role, command)
    assert tree_digest(site) == before


# context.user and context.code


def test_context_user_fields(cli, add_endpoint):
    add_endpoint("whoami")
    names = {
        "admin": "Admin",
        "data_owner": "Data_Owner",
        "data_scientist": "Data_Scientist",
        "guest": "Guest",
    }
    for role, name in names.items():
        user = run_json(cli, role, "ctx.whoami")
        assert user["email"] == EMAILS[role], role
        assert user["name"] == name, role
        assert user["role"] == role


def test_context_code_helpers(cli, add_endpoint):
    add_endpoint("use_helpers")
    result = run_json(cli, "guest", "ctx.helpers", "--kw", "value=21", "--kw", "text=hi")
    assert result == [42, "HI!"]


# context.user_client and context.admin_client


def test_user_client_scientist_mock(cli, add_endpoint):
    add_endpoint("nested_user")
    assert run_json(cli, "data_scientist", "ctx.nested_user") == "mock_example"


def test_user_client_admin_private(cli, add_endpoint):
    add_endpoint("nested_user")
    assert run_json(cli, "admin", "ctx.nested_user") == "private_example"


def test_admin_client_reaches_private(cli, add_endpoint):
    add_endpoint("nested_admin")
    assert run_json(cli, "data_scientist", "ctx.nested_admin") == "private_example"


def test_nested_call_identities(cli, add_endpoint):
    add_endpoint("whoami", "nested_whoami")
    seen = run_json(cli, "data_scientist", "ctx.nested_whoami")
    assert seen["user_client"]["email"] == EMAILS["data_scientist"]
    assert seen["user_client"]["role"] == "data_scientist"
    assert seen["admin_client"]["role"] == "admin"


def test_nested_call_records_caller_job(cli, add_endpoint):
    add_endpoint("nested_user")
    run_json(cli, "data_scientist", "ctx.nested_user")
    listed = cli("jobs", "list", "--endpoint", SAMPLE, "--format", "json", role="admin")
    assert listed.exit_code == 0, listed.stderr
    jobs = json.loads(listed.stdout)
    assert len(jobs) == 1
    assert jobs[0]["user"] == EMAILS["data_scientist"]
    assert jobs[0]["side"] == "mock"
