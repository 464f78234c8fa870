"""The endpoint registry through the CLI: add, update, delete, list and show."""

import importlib
import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import EMAILS, PASSWORDS, assert_one_line_error, tree_digest

SECRETS = ("mock-key-1234", "private-key-5678")

COUNTER_SOURCE = """
import syftapi_cli as sy


@sy.api_endpoint(path="counting.calls", description="Count the calls in the endpoint state.")
def count_calls(context) -> int:
    context.state["calls"] = context.state.get("calls", 0) + 1
    return context.state["calls"]


@sy.api_endpoint(path="counting.echo")
def echo(context, text: str) -> str:
    return text


@sy.api_endpoint_method()
def count_calls_by_ten(context) -> int:
    context.state["calls"] = context.state.get("calls", 0) + 1
    return context.state["calls"] * 10


@sy.api_endpoint_method()
def wrong_shape(context, other: int) -> int:
    return other


def not_an_endpoint(context):
    return 1
"""

GREETING_SOURCE = """
import syftapi_cli as sy


@sy.api_endpoint_method(settings={"greeting": "mock hello"})
def mock_greeting(context, name: str) -> dict:
    return {"side": "mock", "value": context.settings.get(name)}


@sy.api_endpoint_method(settings={"greeting": "private hello"})
def private_greeting(context, name: str) -> dict:
    return {"side": "private", "value": context.settings.get(name)}


greeting = sy.TwinAPIEndpoint(
    path="settings_demo.greeting",
    mock_function=mock_greeting,
    private_function=private_greeting,
)


@sy.api_endpoint_method()
def new_private_greeting(context, name: str) -> dict:
    return {"side": "new private", "value": context.settings.get(name)}
"""

INLINE_SETTINGS_SOURCE = """
import syftapi_cli as sy


@sy.api_endpoint(
    path="inline.settings",
    description="Settings written in the decorator.",
    settings={"token": "inline-token-9876"},
)
def inline_settings(context, value: str) -> str:
    return value
"""


@pytest.fixture
def module_dir(tmp_path):
    """A folder for endpoint modules; modules imported from it are forgotten afterwards."""
    folder = tmp_path / "modules"
    folder.mkdir()
    yield folder
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if location.startswith(str(folder)):
            del sys.modules[name]


def write_source(path: Path, source: str) -> Path:
    """Write SOURCE to PATH and make the import system see the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    importlib.invalidate_caches()
    return path


def listed_paths(cli) -> list[str]:
    result = cli("endpoint", "list", "--format", "json", role="admin")
    assert result.exit_code == 0, result.stderr
    return [row["path"] for row in json.loads(result.stdout)]


def show_json(cli, path, role, *flags):
    result = cli("endpoint", "show", path, "--format", "json", *flags, role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def run_json(cli, path, role, *args):
    result = cli("run", path, *args, "--format", "json", role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_rejected(result, exit_code, message, site, before):
    """Check one rejected command: its exit code, one error line naming MESSAGE, no change."""
    assert_one_line_error(result, exit_code)
    assert message in result.stderr
    assert tree_digest(site) == before


@pytest.fixture
def counter(cli, site, module_dir):
    """The counting.calls endpoint added from a file; returns the file."""
    path = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    added = cli("endpoint", "add", f"{path}:count_calls", role="admin")
    assert added.exit_code == 0, added.stderr
    return path


@pytest.fixture
def greeting(cli, site, module_dir):
    """The twin settings_demo.greeting added from a file; returns the file."""
    path = write_source(module_dir / "greeting.py", GREETING_SOURCE)
    added = cli("endpoint", "add", path, role="admin")
    assert added.exit_code == 0, added.stderr
    return path


# endpoint add


def test_add_module_attribute(cli, site):
    result = cli(
        "endpoint",
        "add",
        "sample_endpoints.rate_limited:rate_limited_sum",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert "added endpoint my_org.rate_limited_sum" in result.stderr
    assert "my_org.rate_limited_sum" in listed_paths(cli)
    total = run_json(
        cli,
        "my_org.rate_limited_sum",
        "guest",
        "--kw",
        "number_1=2",
        "--kw",
        "number_2=3",
    )
    assert total == 5


def test_add_file_attribute_only_one(cli, site, module_dir, tmp_path):
    write_source(module_dir / "counter.py", COUNTER_SOURCE)
    relative = (module_dir / "counter.py").relative_to(tmp_path)
    result = cli("endpoint", "add", f"{relative}:count_calls", role="admin")
    assert result.exit_code == 0, result.stderr
    paths = listed_paths(cli)
    assert "counting.calls" in paths
    assert "counting.echo" not in paths


def test_add_bare_file_adds_all(cli, site, module_dir):
    path = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    result = cli("endpoint", "add", path, role="admin")
    assert result.exit_code == 0, result.stderr
    assert "added endpoint counting.calls" in result.stderr
    assert "added endpoint counting.echo" in result.stderr
    assert sorted(listed_paths(cli)) == [
        "counting.calls",
        "counting.echo",
        "my_org.get_data_sample",
        "my_org.sum_numbers",
    ]


def test_add_bare_module_adds_all(cli, site, module_dir, monkeypatch):
    write_source(module_dir / "registry_bare_pkg" / "__init__.py", "")
    write_source(module_dir / "registry_bare_pkg" / "endpoints.py", COUNTER_SOURCE)
    monkeypatch.chdir(module_dir)
    result = cli("endpoint", "add", "registry_bare_pkg.endpoints", role="admin")
    assert result.exit_code == 0, result.stderr
    paths = listed_paths(cli)
    assert "counting.calls" in paths
    assert "counting.echo" in paths


def test_add_deleted_file_still_runs(cli, site, module_dir):
    path = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    added = cli("endpoint", "add", path, role="admin")
    assert added.exit_code == 0, added.stderr
    shutil.rmtree(module_dir)
    assert (
        run_json(cli, "counting.echo", "data_scientist", "--kw", "text=still here")
        == "still here"
    )


def test_add_deleted_module_still_runs(cli, site, module_dir, monkeypatch):
    write_source(module_dir / "registry_gone_pkg" / "__init__.py", "")
    write_source(module_dir / "registry_gone_pkg" / "endpoints.py", COUNTER_SOURCE)
    monkeypatch.chdir(module_dir)
    added = cli("endpoint", "add", "registry_gone_pkg.endpoints:echo", role="admin")
    assert added.exit_code == 0, added.stderr
    shutil.rmtree(module_dir / "registry_gone_pkg")
    assert (
        run_json(cli, "counting.echo", "guest", "--kw", "text=by value") == "by value"
    )


def test_add_allowed_for_data_owner(cli, site, module_dir):
    path = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    result = cli("endpoint", "add", f"{path}:echo", role="data_owner")
    assert result.exit_code == 0, result.stderr
    assert "counting.echo" in listed_paths(cli)


def test_registry_denied_below_owner(cli, site, module_dir, subtests):
    path = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    commands = {
        "add": ("endpoint", "add", f"{path}:echo"),
        "update": ("endpoint", "update", "my_org.sum_numbers", "--timeout", "5"),
        "delete": ("endpoint", "delete", "my_org.sum_numbers", "--yes"),
    }
    before = tree_digest(site)
    for role in ("data_scientist", "guest"):
        for name, command in commands.items():
            with subtests.test(role=role, command=name):
                result = cli(*command, role=role)
                assert_rejected(result, 3, "permission denied", site, before)


# endpoint update


def test_update_mock_replaces_function(cli, site):
    result = cli(
        "endpoint",
        "update",
        "my_org.get_data_sample",
        "--mock",
        "sample_endpoints.walkthrough:updated_mock",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert "updated endpoint my_org.get_data_sample" in result.stderr
    output = run_json(
        cli, "my_org.get_data_sample", "data_scientist", "--kw", "length=2"
    )
    assert output == "Oh, look, I updated the mock function!"
    view = show_json(cli, "my_org.get_data_sample", "data_scientist")
    assert view["mock_code"].startswith("def updated_mock(context, length: int)")
    rows = run_json(
        cli, "my_org.get_data_sample", "admin", "--private", "--kw", "length=1"
    )
    assert rows == [{"data": "private_example"}]


def test_update_private_replaces_function(cli, greeting):
    result = cli(
        "endpoint",
        "update",
        "settings_demo.greeting",
        "--private",
        f"{greeting}:new_private_greeting",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    private = run_json(
        cli, "settings_demo.greeting", "admin", "--private", "--kw", "name=greeting"
    )
    assert private["side"] == "new private"
    mock = run_json(
        cli, "settings_demo.greeting", "admin", "--mock", "--kw", "name=greeting"
    )
    assert mock == {"side": "mock", "value": "mock hello"}


def test_update_hide_show_mock(cli, site):
    result = cli(
        "endpoint",
        "update",
        "my_org.get_data_sample",
        "--hide-mock-definition",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert (
        show_json(cli, "my_org.get_data_sample", "data_scientist")["mock_code"] is None
    )
    owner_view = show_json(cli, "my_org.get_data_sample", "data_owner")
    assert owner_view["mock_code"].startswith("def mock_data_sample")
    table = cli("endpoint", "show", "my_org.get_data_sample", role="data_scientist")
    assert "def mock_data_sample" not in table.stdout
    assert "hidden" in table.stdout
    rows = run_json(cli, "my_org.get_data_sample", "data_scientist", "--kw", "length=1")
    assert rows == [{"data": "mock_example"}]
    unhidden = cli(
        "endpoint",
        "update",
        "my_org.get_data_sample",
        "--show-mock-definition",
        role="admin",
    )
    assert unhidden.exit_code == 0, unhidden.stderr
    view = show_json(cli, "my_org.get_data_sample", "data_scientist")
    assert view["mock_code"].startswith("def mock_data_sample")


def test_update_timeout_and_description(cli, site):
    text = "# Sums\n\n- adds `number_1` and `number_2`\n- **anyone** may run it"
    result = cli(
        "endpoint",
        "update",
        "my_org.sum_numbers",
        "--timeout",
        "120",
        "--description",
        text,
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    view = show_json(cli, "my_org.sum_numbers", "guest")
    assert view["timeout"] == 120
    assert view["description"] == text
    table = cli("endpoint", "show", "my_org.sum_numbers", role="guest")
    assert "# Sums" in table.stdout
    assert "- **anyone** may run it" in table.stdout


def test_update_mock_settings_file(cli, greeting, tmp_path):
    settings = tmp_path / "mock.json"
    settings.write_text(json.dumps({"greeting": "hello from a file", "extra": "value"}))
    result = cli(
        "endpoint",
        "update",
        "settings_demo.greeting",
        "--mock-settings",
        settings,
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    output = run_json(
        cli, "settings_demo.greeting", "data_scientist", "--kw", "name=greeting"
    )
    assert output == {"side": "mock", "value": "hello from a file"}
    view = show_json(cli, "settings_demo.greeting", "admin")
    assert view["mock_settings"] == {"greeting": "***", "extra": "***"}


def test_update_mock_settings_stdin(cli, greeting):
    result = cli(
        "endpoint",
        "update",
        "settings_demo.greeting",
        "--mock-settings",
        "-",
        input=json.dumps({"greeting": "hello from stdin"}),
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    output = run_json(
        cli, "settings_demo.greeting", "data_scientist", "--kw", "name=greeting"
    )
    assert output["value"] == "hello from stdin"


def test_update_private_settings_file(cli, greeting, tmp_path):
    settings = tmp_path / "private.json"
    settings.write_text(json.dumps({"greeting": "private from a file"}))
    result = cli(
        "endpoint",
        "update",
        "settings_demo.greeting",
        "--private-settings",
        settings,
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    private = run_json(
        cli, "settings_demo.greeting", "admin", "--private", "--kw", "name=greeting"
    )
    assert private == {"side": "private", "value": "private from a file"}
    mock = run_json(
        cli, "settings_demo.greeting", "admin", "--mock", "--kw", "name=greeting"
    )
    assert mock["value"] == "mock hello"


def test_update_code_keeps_state(cli, counter):
    assert run_json(cli, "counting.calls", "admin") == 1
    assert run_json(cli, "counting.calls", "guest") == 2
    result = cli(
        "endpoint",
        "update",
        "counting.calls",
        "--mock",
        f"{counter}:count_calls_by_ten",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert run_json(cli, "counting.calls", "admin") == 30


def test_update_options_keep_state(cli, counter, tmp_path):
    assert run_json(cli, "counting.calls", "admin") == 1
    settings = tmp_path / "settings.json"
    settings.write_text("{}")
    result = cli(
        "endpoint",
        "update",
        "counting.calls",
        "--timeout",
        "30",
        "--description",
        "Still counting.",
        "--mock-settings",
        settings,
        "--hide-mock-definition",
        role="admin",
    )
    assert result.exit_code == 0, result.stderr
    assert run_json(cli, "counting.calls", "admin") == 2


def test_update_public_rejects_private(cli, site, counter, tmp_path):
    settings = tmp_path / "private.json"
    settings.write_text("{}")
    before = tree_digest(site)
    with_code = cli(
        "endpoint",
        "update",
        "counting.calls",
        "--private",
        f"{counter}:count_calls_by_ten",
        role="admin",
    )
    assert_rejected(with_code, 2, "public endpoint", site, before)
    with_settings = cli(
        "endpoint",
        "update",
        "counting.calls",
        "--private-settings",
        settings,
        role="admin",
    )
    assert_rejected(with_settings, 2, "public endpoint", site, before)


# endpoint delete


def test_delete_with_yes(cli, site):
    result = cli("endpoint", "delete", "my_org.sum_numbers", "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert "deleted endpoint my_org.sum_numbers" in result.stderr
    assert listed_paths(cli) == ["my_org.get_data_sample"]
    show_result = cli("endpoint", "show", "my_org.sum_numbers", role="admin")
    assert_one_line_error(show_result, 4)


def test_delete_drops_state(cli, counter):
    run_json(cli, "counting.calls", "admin")
    run_json(cli, "counting.calls", "admin")
    deleted = cli("endpoint", "delete", "counting.calls", "--yes", role="admin")
    assert deleted.exit_code == 0, deleted.stderr
    added = cli("endpoint", "add", f"{counter}:count_calls", role="admin")
    assert added.exit_code == 0, added.stderr
    assert run_json(cli, "counting.calls", "admin") == 1


def test_delete_without_yes_rejected(cli, site):
    before = tree_digest(site)
    result = cli("endpoint", "delete", "my_org.sum_numbers", role="admin")
    assert_rejected(result, 2, "--yes", site, before)


# endpoint list


def test_list_table_plain_text(cli, site):
    result = cli("endpoint", "list", role="data_scientist")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[0].split()
    for column in ("path", "access", "worker_pool", "timeout"):
        assert column in header
    assert "\x1b[" not in result.stdout
    assert any(line.startswith("my_org.sum_numbers ") for line in lines)
    assert any(line.startswith("my_org.get_data_sample ") for line in lines)


def test_list_json_shape(cli, site):
    result = cli("endpoint", "list", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    rows = {row["path"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"my_org.sum_numbers", "my_org.get_data_sample"}
    for row in rows.values():
        assert {"path", "description", "access", "worker_pool", "timeout"} <= set(row)
    public = rows["my_org.sum_numbers"]
    assert public["access"] == "public"
    assert public["description"] == "Add two numbers. Anyone may run it."
    assert public["worker_pool"] == "default"
    assert public["timeout"] == 60
    assert rows["my_org.get_data_sample"]["access"] == "twin"
    for secret in SECRETS:
        assert secret not in result.stdout
    assert "settings" not in result.stdout


# endpoint show


def test_show_json_per_role(cli, site, subtests):
    for role in ("admin", "data_owner", "data_scientist", "guest"):
        with subtests.test(role=role):
            view = show_json(cli, "my_org.get_data_sample", role)
            for key in (
                "path",
                "description",
                "signature",
                "mock_code",
                "private_code",
            ):
                assert key in view
            assert view["path"] == "my_org.get_data_sample"
            assert view["signature"] == "(length: int)"
            assert view["description"].startswith(
                "A sample of the organisation's data."
            )
            assert view["mock_code"].startswith(
                "def mock_data_sample(context, length: int):"
            )
            if role in ("admin", "data_owner"):
                assert view["private_code"].startswith(
                    "def private_data_sample(context, length: int):"
                )
                assert "@sy." not in view["private_code"]
            else:
                assert view["private_code"] is None
            assert "@sy." not in view["mock_code"]
    with subtests.test(endpoint="public"):
        public = show_json(cli, "my_org.sum_numbers", "admin")
        assert public["private_code"] is None
        assert public["mock_code"].startswith(
            "def sum_numbers(context, number_1: int, number_2: int)"
        )


def test_show_owner_settings_masked(cli, site, subtests):
    for role in ("admin", "data_owner"):
        for fmt in ("json", "table", "csv"):
            with subtests.test(role=role, format=fmt):
                result = cli(
                    "endpoint",
                    "show",
                    "my_org.get_data_sample",
                    "--format",
                    fmt,
                    role=role,
                )
                assert result.exit_code == 0, result.stderr
                assert "api_key" in result.stdout
                assert "***" in result.stdout
                for secret in SECRETS:
                    assert secret not in result.stdout
                    assert secret not in result.stderr
        with subtests.test(role=role, format="json values"):
            view = show_json(cli, "my_org.get_data_sample", role)
            assert view["mock_settings"] == {"api_key": "***"}
            assert view["private_settings"] == {"api_key": "***"}


def test_show_secrets_for_owner(cli, site, subtests):
    for role in ("admin", "data_owner"):
        with subtests.test(role=role):
            view = show_json(cli, "my_org.get_data_sample", role, "--show-secrets")
            assert view["mock_settings"] == {"api_key": "mock-key-1234"}
            assert view["private_settings"] == {"api_key": "private-key-5678"}


def test_show_scientist_no_settings(cli, site, subtests):
    for role in ("data_scientist", "guest"):
        for fmt in ("json", "table", "csv"):
            with subtests.test(role=role, format=fmt):
                result = cli(
                    "endpoint",
                    "show",
                    "my_org.get_data_sample",
                    "--format",
                    fmt,
                    role=role,
                )
                assert result.exit_code == 0, result.stderr
                for secret in SECRETS:
                    assert secret not in result.stdout
                    assert secret not in result.stderr
                assert "settings" not in result.stdout.lower()
                assert "api_key" not in result.stdout


def test_show_secrets_scientist_denied(cli, site, subtests):
    for role in ("data_scientist", "guest"):
        with subtests.test(role=role):
            result = cli(
                "endpoint",
                "show",
                "my_org.get_data_sample",
                "--show-secrets",
                "--format",
                "json",
                role=role,
            )
            assert_one_line_error(result, 3)
            for secret in SECRETS:
                assert secret not in result.stdout
                assert secret not in result.stderr


def test_show_markdown_description(cli, site):
    result = cli("endpoint", "show", "my_org.get_data_sample", role="data_scientist")
    assert result.exit_code == 0, result.stderr
    assert "A sample of the organisation's data." in result.stdout
    assert "- **mock**: synthetic rows, open to every user" in result.stdout


def test_show_inline_settings_not_in_code(cli, site, module_dir):
    path = write_source(module_dir / "inline.py", INLINE_SETTINGS_SOURCE)
    added = cli("endpoint", "add", path, role="admin")
    assert added.exit_code == 0, added.stderr
    view = show_json(cli, "inline.settings", "admin")
    assert view["mock_code"].startswith("def inline_settings(context, value: str)")
    assert "inline-token-9876" not in view["mock_code"]
    scientist = cli(
        "endpoint", "show", "inline.settings", "--format", "json", role="data_scientist"
    )
    assert scientist.exit_code == 0, scientist.stderr
    assert "inline-token-9876" not in scientist.stdout
    assert "def inline_settings" in scientist.stdout


# Rejected input: the documented exit code, one error line, nothing changed


# Each bad module: its source and a fragment of the expected error message.
BAD_MODULES = {
    "raises_on_import": (
        'raise RuntimeError("cannot reach the database")\n',
        "RuntimeError",
    ),
    "exits_on_import": ("import sys\nsys.exit(3)\n", "sys.exit"),
    "syntax_error": ("def broken(context:\n", "SyntaxError"),
    "missing_context": (
        """
        import syftapi_cli as sy


        @sy.api_endpoint(path="bad.no_context")
        def no_context(length: int):
            return length
        """,
        "first parameter must be 'context'",
    ),
    "mismatched_signatures": (
        """
        import syftapi_cli as sy


        def mock_side(context, length: int):
            return length


        def private_side(context, size: int):
            return size


        pair = sy.TwinAPIEndpoint(
            path="bad.pair", mock_function=mock_side, private_function=private_side
        )
        """,
        "signatures differ",
    ),
    "uppercase_path": (
        """
        import syftapi_cli as sy


        @sy.api_endpoint(path="Bad.Upper")
        def upper(context):
            return 1
        """,
        "invalid endpoint path",
    ),
    "var_positional": (
        """
        import syftapi_cli as sy


        @sy.api_endpoint(path="bad.star_args")
        def star_args(context, *args):
            return args
        """,
        "keyword arguments only",
    ),
    "no_endpoints": ("VALUE = 1\n", "defines no endpoints"),
    "duplicate_path": (
        """
        import syftapi_cli as sy


        @sy.api_endpoint(path="my_org.sum_numbers")
        def sum_again(context, number_1: int, number_2: int) -> int:
            return number_1 + number_2
        """,
        "already exists",
    ),
}


def test_add_bad_file_rejected(cli, site, module_dir, subtests):
    files = {
        name: write_source(module_dir / f"{name}.py", source)
        for name, (source, _) in BAD_MODULES.items()
    }
    before = tree_digest(site)
    for name, (_, message) in BAD_MODULES.items():
        with subtests.test(module=name):
            result = cli("endpoint", "add", files[name], role="admin")
            assert_rejected(result, 2, message, site, before)


def test_add_bad_target_rejected(cli, site, module_dir, monkeypatch, subtests):
    write_source(
        module_dir / "registry_raising_module.py",
        'raise ValueError("no credentials")\n',
    )
    counter = write_source(module_dir / "counter.py", COUNTER_SOURCE)
    monkeypatch.chdir(module_dir)
    cases = [
        ("registry_no_such_module:thing", "No module named 'registry_no_such_module'"),
        ("registry_no_such_module", "No module named 'registry_no_such_module'"),
        ("registry_raising_module:anything", "ValueError: no credentials"),
        ("registry_raising_module", "ValueError: no credentials"),
        (
            "sample_endpoints.walkthrough:no_such_attr",
            "has no attribute 'no_such_attr'",
        ),
        ("sample_endpoints.walkthrough:mock_data_sample", "is not an endpoint"),
        ("sample_endpoints.rate_limited:check_rate", "is not an endpoint"),
        (f"{counter}:not_an_endpoint", "is not an endpoint"),
        (f"{counter}:no_such_attr", "has no attribute 'no_such_attr'"),
        ("no_such_file.py:thing", "no such file"),
        ("missing_folder/no_such_file.py", "no such file"),
        ("sample_endpoints.walkthrough:sum_numbers", "already exists"),
        ("sample_endpoints.walkthrough", "already exists"),
        ("sample_endpoints.walkthrough:", "invalid target"),
        ("not a module", "invalid target"),
        ("", "empty target"),
    ]
    before = tree_digest(site)
    for target, message in cases:
        with subtests.test(target=target):
            result = cli("endpoint", "add", target, role="admin")
            assert_rejected(result, 2, message, site, before)


def test_add_missing_file_message_once(cli, site):
    result = cli("endpoint", "add", "no_such_file.py:thing", role="admin")
    assert_one_line_error(result, 2)
    assert result.stderr.count("cannot load") == 1


def test_add_partial_duplicate_adds_none(cli, site, module_dir, subtests):
    extra = {
        "clash_with_registry": ("my_org.sum_numbers", "my_org.sum_numbers"),
        "clash_within_file": ("counting.echo", "same endpoint path twice"),
    }
    before = tree_digest(site)
    for name, (path, message) in extra.items():
        source = COUNTER_SOURCE + textwrap.dedent(f'''

            @sy.api_endpoint(path="{path}")
            def {name}(context, text: str) -> str:
                return text
        ''')
        target = write_source(module_dir / f"{name}.py", source)
        with subtests.test(case=name):
            result = cli("endpoint", "add", target, role="admin")
            assert_rejected(result, 2, message, site, before)
            assert "counting.calls" not in listed_paths(cli)


def test_unknown_path_not_found(cli, site, subtests):
    commands = {
        "update": ("endpoint", "update", "my_org.no_such_endpoint", "--timeout", "5"),
        "delete with --yes": ("endpoint", "delete", "my_org.no_such_endpoint", "--yes"),
        "delete": ("endpoint", "delete", "my_org.no_such_endpoint"),
        "show": ("endpoint", "show", "my_org.no_such_endpoint"),
        "show json": (
            "endpoint",
            "show",
            "my_org.no_such_endpoint",
            "--format",
            "json",
        ),
    }
    before = tree_digest(site)
    for name, command in commands.items():
        with subtests.test(command=name):
            result = cli(*command, role="admin")
            assert_rejected(
                result, 4, "'my_org.no_such_endpoint' not found", site, before
            )
            assert "syftapi endpoint list" in result.stderr


def test_update_bad_input_rejected(cli, site, tmp_path, subtests):
    files = {
        "invalid.json": "{not json",
        "list.json": '["api_key", "value"]',
        "string.json": '"just a string"',
        "empty.json": "",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    update = ("endpoint", "update", "my_org.get_data_sample")
    cases = [
        (
            (*update, "--mock-settings", tmp_path / "invalid.json"),
            None,
            "invalid JSON in --mock-settings",
        ),
        (
            (*update, "--private-settings", tmp_path / "invalid.json"),
            None,
            "invalid JSON in --private-settings",
        ),
        (
            (*update, "--mock-settings", tmp_path / "list.json"),
            None,
            "must hold a JSON object",
        ),
        (
            (*update, "--private-settings", tmp_path / "list.json"),
            None,
            "must hold a JSON object",
        ),
        (
            (*update, "--mock-settings", tmp_path / "string.json"),
            None,
            "must hold a JSON object",
        ),
        ((*update, "--mock-settings", tmp_path / "empty.json"), None, "invalid JSON"),
        ((*update, "--mock-settings", tmp_path / "absent.json"), None, "absent.json"),
        ((*update, "--mock-settings", "-"), "[1, 2]", "must hold a JSON object"),
        ((*update, "--private-settings", "-"), "{broken", "invalid JSON"),
        ((*update, "--mock-settings", "-", "--private-settings", "-"), "{}", "stdin"),
        ((*update, "--timeout", "0"), None, "--timeout"),
        ((*update, "--timeout", "-5"), None, "--timeout"),
        ((*update, "--timeout", "abc"), None, "--timeout"),
        ((*update, "--timeout", "nan"), None, "--timeout"),
        ((*update, "--timeout", "inf"), None, "--timeout"),
        ((*update, "--timeout", ""), None, "--timeout"),
        (update, None, "nothing to update"),
        (
            ("endpoint", "update", "My_Org.Sample", "--timeout", "5"),
            None,
            "invalid endpoint path",
        ),
        (("endpoint", "show", "My_Org.Sample"), None, "invalid endpoint path"),
        (("endpoint", "delete", "my_org.", "--yes"), None, "invalid endpoint path"),
    ]
    before = tree_digest(site)
    for command, stdin, message in cases:
        with subtests.test(args=" ".join(map(str, command[3:])), stdin=stdin):
            result = cli(*command, input=stdin, role="admin")
            assert_rejected(result, 2, message, site, before)


def test_update_bad_target_rejected(cli, site, subtests):
    cases = [
        ("registry_no_such_module:thing", "No module named"),
        ("sample_endpoints.walkthrough:no_such_attr", "has no attribute"),
        ("sample_endpoints.walkthrough", "needs ':attr'"),
        ("sample_endpoints.rate_limited:check_rate", "is not an endpoint method"),
        ("sample_endpoints.walkthrough:sum_numbers", "differs from the endpoint's"),
        ("no_such_file.py:thing", "no such file"),
    ]
    before = tree_digest(site)
    for target, message in cases:
        for option in ("--mock", "--private"):
            with subtests.test(option=option, target=target):
                result = cli(
                    "endpoint",
                    "update",
                    "my_org.get_data_sample",
                    option,
                    target,
                    role="admin",
                )
                assert_rejected(result, 2, message, site, before)


def test_update_wrong_signature_rejected(cli, site, counter, greeting):
    before = tree_digest(site)
    result = cli(
        "endpoint",
        "update",
        "settings_demo.greeting",
        "--private",
        f"{counter}:wrong_shape",
        role="admin",
    )
    assert_rejected(result, 2, "(other: int)", site, before)
    assert "(name: str)" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("endpoint", "add", "sample_endpoints.walkthrough"),
        ("endpoint", "update", "my_org.sum_numbers", "--timeout", "5"),
        ("endpoint", "delete", "my_org.sum_numbers", "--yes"),
        ("endpoint", "show", "my_org.sum_numbers"),
        ("endpoint", "list"),
    ],
    ids=["add", "update", "delete", "show", "list"],
)
def test_missing_datasite_not_found(cli, isolated_home, command):
    result = cli(
        *command,
        env={"SYFTAPI_USER": EMAILS["admin"], "SYFTAPI_PASSWORD": PASSWORDS["admin"]},
    )
    assert_one_line_error(result, 4)
    assert "syftapi init" in result.stderr
    assert not isolated_home.exists()
