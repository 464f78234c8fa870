"""Hard inputs through the CLI: moved endpoint files, module-level code, exceptions
that do not unpickle, text that looks like Rich markup, strict JSON, and blobs
from another Python or with a changed byte."""

import hashlib
import hmac
import importlib
import json
import os
import shutil
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from syftapi_cli.cli import output
from syftapi_cli.store import blobs
from tests.conftest import assert_one_line_error, run_syftapi, tree_digest

SUM_SOURCE = """
import syftapi_cli as sy


@sy.api_endpoint(path="hard.sum_numbers")
def sum_numbers(context, number_1: int, number_2: int) -> int:
    return number_1 + number_2
"""

OFFSET_SOURCE = """
import syftapi_cli as sy

OFFSET = {offset}


def _helper(number):
    return number + OFFSET


@sy.api_endpoint(path="hard.offset")
def add_offset(context, number: int) -> int:
    return _helper(number)
"""

SIBLING_HELPER_SOURCE = """
def clean(text):
    return text.strip().lower()
"""

SIBLING_USER_SOURCE = """
import syftapi_cli as sy
from hard_sibling_helpers import clean


@sy.api_endpoint(path="hard.clean")
def clean_text(context, text: str) -> str:
    return clean(text)
"""

PATH_ONLY_LIBRARY_SOURCE = """
def shout(text):
    return text.upper()
"""

PATH_ONLY_USER_SOURCE = """
import syftapi_cli as sy
import hard_path_only_lib


@sy.api_endpoint(path="hard.shout")
def shout(context, text: str) -> str:
    return hard_path_only_lib.shout(text)
"""

BODY_IMPORT_SOURCE = """
import syftapi_cli as sy


@sy.api_endpoint(path="hard.body_import")
def body_import(context) -> str:
    import hard_not_installed_mod

    return hard_not_installed_mod.VALUE
"""

QUERY_ERROR_SOURCE = """
import syftapi_cli as sy


class QueryError(Exception):
    def __init__(self, table, reason):
        super().__init__(f"table {table!r}: {reason}")
        self.table = table
        self.reason = reason


@sy.api_endpoint_method()
def query_mock(context, table: str) -> list:
    raise QueryError(table, "mock column 'age' is missing")


@sy.api_endpoint_method()
def query_private(context, table: str) -> list:
    raise QueryError(table, "private column 'age' is missing")


query = sy.TwinAPIEndpoint(
    path="hard.query", mock_function=query_mock, private_function=query_private
)


@sy.api_endpoint(path="hard.query_error_value")
def query_error_value(context, table: str) -> object:
    return QueryError(table, "returned, not raised")


@sy.api_endpoint(path="hard.outer_query")
def outer_query(context, table: str) -> list:
    return context.user_client.api.services.hard.query(table=table)
"""

MARKUP_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint(path="hard.markup_frame")
def markup_frame(context):
    import pandas as pd

    cells = ["[red]x[/red]", "a[b]c", "[bold]", "[/tmp/x.jpg]"]
    return pd.DataFrame({"[i]col[/i]": cells})


@sy.api_endpoint(path="hard.markup_error")
def markup_error(context):
    raise ValueError("[red]boom[/red]")


@sy.api_endpoint(path="hard.markup_logs")
def markup_logs(context):
    print("[bold]log line[/bold] and [/unclosed]")
    return "[green]result[/green]"


@sy.api_endpoint(
    path="hard.markup_code",
    description="Flags rows as [red] when they fail the check.",
)
def markup_code(context):
    return "[bold]"
'''

MARKUP_CELLS = ["[red]x[/red]", "a[b]c", "[bold]", "[/tmp/x.jpg]"]
MARKUP_COLUMN = "[i]col[/i]"
# A wide terminal keeps every cell on one line, and NO_COLOR keeps the text
# free of escape codes, so each string can be searched for verbatim.
TERMINAL_ENV = {"NO_COLOR": "1", "COLUMNS": "200"}

JSON_SOURCE = """
import warnings

import syftapi_cli as sy


@sy.api_endpoint(path="hard.missing_values")
def missing_values(context):
    import pandas as pd

    return pd.DataFrame(
        {
            "ratio": [float("nan"), 2.5, float("inf")],
            "when": [pd.NaT, pd.Timestamp("2024-05-01 12:30:00"), pd.NaT],
        }
    )


@sy.api_endpoint(path="hard.noisy")
def noisy(context):
    import pandas as pd

    warnings.simplefilter("always")
    warnings.warn("the endpoint's own FutureWarning", FutureWarning)
    total = pd.Series([3, 1, 2]).sum(0)
    return {"total": int(total)}
"""

MARKER_SOURCE = """
from pathlib import Path

import syftapi_cli as sy


@sy.api_endpoint(path="hard.marker")
def write_marker(context, marker: str) -> str:
    Path(marker).write_text("RAN-ONCE")
    return "written"
"""


@pytest.fixture
def endpoint_dir(tmp_path):
    """A folder for endpoint files; modules from tmp_path are dropped afterwards."""
    folder = tmp_path / "endpoints"
    folder.mkdir()
    yield folder
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if location.startswith(str(tmp_path)):
            del sys.modules[name]


def write_source(path: Path, source: str) -> Path:
    """Write SOURCE to PATH and make the import system see the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    importlib.invalidate_caches()
    return path


def add_ok(cli, target) -> None:
    added = cli("endpoint", "add", target, role="admin")
    assert added.exit_code == 0, added.stderr


def run_json(cli, path, role, *args):
    result = cli("run", path, *args, "--format", "json", role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def reject_constant(name: str):
    """Raise for NaN, Infinity and -Infinity, which strict JSON does not allow."""
    raise ValueError(f"invalid JSON constant {name}: strict JSON has no NaN")


def newest_job(cli, role: str) -> str:
    listed = cli("jobs", "list", "--limit", "1", "--format", "json", role=role)
    assert listed.exit_code == 0, listed.stderr
    return json.loads(listed.stdout)[0]["id"]


def function_blob(home: Path, path: str) -> Path:
    """Return the blob file holding the function of public endpoint PATH."""
    record = json.loads((home / "endpoints" / f"{path}.json").read_text())
    return home / "blobs" / f"{record['mock']['blob']}.pkl"


def sign_header(key: bytes, header: dict, payload: bytes) -> bytes:
    """Return HEADER and PAYLOAD as a blob, signed the way the datasite signs."""
    header = {k: v for k, v in header.items() if k != "signature"}
    canonical = json.dumps(header, sort_keys=True).encode()
    header["signature"] = hmac.new(
        key, canonical + b"\n" + payload, hashlib.sha256
    ).hexdigest()
    return json.dumps(header, sort_keys=True).encode() + b"\n" + payload


# Endpoint files that move or disappear after `endpoint add`


def test_renamed_file_runs_elsewhere(cli, site, endpoint_dir, tmp_path, monkeypatch):
    write_source(endpoint_dir / "sum_ep.py", SUM_SOURCE)
    add_ok(cli, "endpoints/sum_ep.py:sum_numbers")
    (endpoint_dir / "sum_ep.py").rename(endpoint_dir / "renamed_ep.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    total = run_json(
        cli, "hard.sum_numbers", "guest", "--kw", "number_1=2", "--kw", "number_2=3"
    )
    assert total == 5


def test_deleted_folder_runs_subprocess(cli, site, endpoint_dir, tmp_path):
    write_source(endpoint_dir / "sum_ep.py", SUM_SOURCE)
    add_ok(cli, "endpoints/sum_ep.py:sum_numbers")
    shutil.rmtree(endpoint_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_syftapi(
        "run", "hard.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3",
        "--format", "json",
        env={"SYFTAPI_TOKEN": cli.tokens["data_scientist"]},
        cwd=elsewhere,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == 5


# Module-level helpers, constants and imports


def test_constant_frozen_until_update(cli, site, endpoint_dir):
    path = write_source(endpoint_dir / "offset_ep.py", OFFSET_SOURCE.format(offset=10))
    add_ok(cli, "endpoints/offset_ep.py:add_offset")
    assert run_json(cli, "hard.offset", "guest", "--kw", "number=1") == 11

    first_mtime = path.stat().st_mtime
    write_source(path, OFFSET_SOURCE.format(offset=99))
    # The edit keeps the file size, so its mtime moves 2 s ahead to make any
    # cached .pyc of the first version stale. The next test covers a same-second edit.
    os.utime(path, (first_mtime + 2, first_mtime + 2))
    assert run_json(cli, "hard.offset", "guest", "--kw", "number=1") == 11

    updated = cli(
        "endpoint",
        "update",
        "hard.offset",
        "--mock",
        "endpoints/offset_ep.py:add_offset",
        role="admin",
    )
    assert updated.exit_code == 0, updated.stderr
    assert run_json(cli, "hard.offset", "guest", "--kw", "number=1") == 100


def test_same_second_edit_updates(cli, site, endpoint_dir, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = write_source(endpoint_dir / "offset_ep.py", OFFSET_SOURCE.format(offset=10))
    add_ok(cli, "endpoints/offset_ep.py:add_offset")
    first = path.stat()
    write_source(path, OFFSET_SOURCE.format(offset=99))
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))
    updated = cli(
        "endpoint",
        "update",
        "hard.offset",
        "--mock",
        "endpoints/offset_ep.py:add_offset",
        role="admin",
    )
    assert updated.exit_code == 0, updated.stderr
    assert run_json(cli, "hard.offset", "guest", "--kw", "number=1") == 100


def test_sibling_module_travels_by_value(cli, site, endpoint_dir):
    helper = write_source(
        endpoint_dir / "hard_sibling_helpers.py", SIBLING_HELPER_SOURCE
    )
    write_source(endpoint_dir / "clean_ep.py", SIBLING_USER_SOURCE)
    add_ok(cli, "endpoints/clean_ep.py:clean_text")
    helper.unlink()
    shutil.rmtree(endpoint_dir / "__pycache__", ignore_errors=True)
    cleaned = run_json(cli, "hard.clean", "data_scientist", "--kw", "text=  MiXeD  ")
    assert cleaned == "mixed"


def test_pythonpath_module_rejected_at_add(cli, site, endpoint_dir, tmp_path):
    library_dir = tmp_path / "path_only"
    write_source(library_dir / "hard_path_only_lib.py", PATH_ONLY_LIBRARY_SOURCE)
    write_source(endpoint_dir / "shout_ep.py", PATH_ONLY_USER_SOURCE)
    before = tree_digest(site)
    result = run_syftapi(
        "endpoint", "add", "endpoints/shout_ep.py",
        env={"SYFTAPI_TOKEN": cli.tokens["admin"], "PYTHONPATH": str(library_dir)},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "hard_path_only_lib" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(site) == before


@pytest.mark.parametrize("role", ["admin", "data_scientist"])
def test_body_import_missing_module(cli, site, endpoint_dir, role):
    write_source(endpoint_dir / "body_ep.py", BODY_IMPORT_SOURCE)
    add_ok(cli, "endpoints/body_ep.py:body_import")
    result = cli("run", "hard.body_import", role=role)
    assert_one_line_error(result, 1)
    assert "'hard_not_installed_mod'" in result.stderr
    assert "hard.body_import" in result.stderr


# Exceptions whose class cannot be rebuilt from its args


def test_query_error_scientist_mock(cli, site, endpoint_dir):
    write_source(endpoint_dir / "query_ep.py", QUERY_ERROR_SOURCE)
    add_ok(cli, "endpoints/query_ep.py:query")
    result = cli("run", "hard.query", "--kw", "table=visits", role="data_scientist")
    assert_one_line_error(result, 1)
    assert "QueryError: table 'visits': mock column 'age' is missing" in result.stderr
    assert "TypeError" not in result.stderr


def test_query_error_admin_private(cli, site, endpoint_dir):
    write_source(endpoint_dir / "query_ep.py", QUERY_ERROR_SOURCE)
    add_ok(cli, "endpoints/query_ep.py:query")
    result = cli("run", "hard.query", "--kw", "table=visits", role="admin")
    assert result.exit_code == 1, result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: ")
    assert "QueryError: table 'visits': private column 'age' is missing" in last_line
    assert "TypeError" not in result.stderr


def test_query_error_nested_call(cli, site, endpoint_dir):
    write_source(endpoint_dir / "query_ep.py", QUERY_ERROR_SOURCE)
    add_ok(cli, "endpoints/query_ep.py")
    result = cli(
        "run", "hard.outer_query", "--kw", "table=visits", role="data_scientist"
    )
    assert_one_line_error(result, 1)
    assert "QueryError: table 'visits': mock column 'age' is missing" in result.stderr
    assert "TypeError" not in result.stderr


def test_nested_error_names_each_job(cli, site, endpoint_dir):
    write_source(endpoint_dir / "query_ep.py", QUERY_ERROR_SOURCE)
    add_ok(cli, "endpoints/query_ep.py")
    result = cli("run", "hard.outer_query", "--kw", "table=visits", role="admin")
    assert result.exit_code == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: endpoint 'hard.outer_query' failed (job ")
    assert "endpoint 'hard.query' raised QueryError" in last_line
    assert "EndpointRaised" not in result.stderr
    assert last_line.count("(job ") == 2
    assert "syftapi_cli" not in result.stderr


def test_query_error_result_job_shows(cli, site, endpoint_dir):
    write_source(endpoint_dir / "query_ep.py", QUERY_ERROR_SOURCE)
    add_ok(cli, "endpoints/query_ep.py:query_error_value")
    value = run_json(
        cli, "hard.query_error_value", "data_scientist", "--kw", "table=visits"
    )
    assert value == "table 'visits': returned, not raised"
    job_id = newest_job(cli, "data_scientist")
    show_result = cli("jobs", "show", job_id, "--format", "json", role="data_scientist")
    assert show_result.exit_code == 0, show_result.stderr
    assert json.loads(show_result.stdout)["status"] == "completed"


# Text that looks like Rich markup is printed as written


@pytest.fixture
def markup(cli, site, endpoint_dir):
    """The hard.markup_* endpoints, added from one file."""
    write_source(endpoint_dir / "markup_ep.py", MARKUP_SOURCE)
    add_ok(cli, "endpoints/markup_ep.py")


def test_markup_frame_plain_output(cli, markup):
    result = cli("run", "hard.markup_frame", role="guest")
    assert result.exit_code == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == MARKUP_COLUMN
    assert lines[1:5] == MARKUP_CELLS


def test_markup_frame_rich_terminal(cli, markup, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = cli("run", "hard.markup_frame", role="guest", env=TERMINAL_ENV)
    assert result.exit_code == 0, result.stderr
    assert "MarkupError" not in result.stderr
    assert f"┃ {MARKUP_COLUMN} " in result.stdout
    for cell in MARKUP_CELLS:
        assert f"│ {cell} " in result.stdout, cell


def test_markup_error_message_verbatim(cli, markup, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = cli("run", "hard.markup_error", role="data_scientist", env=TERMINAL_ENV)
    assert_one_line_error(result, 1)
    assert "ValueError: [red]boom[/red]" in result.stderr


def test_markup_logs_in_jobs_show(cli, markup, monkeypatch):
    ran = cli("run", "hard.markup_logs", role="data_scientist")
    assert ran.exit_code == 0, ran.stderr
    job_id = newest_job(cli, "data_scientist")
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    show_result = cli("jobs", "show", job_id, role="data_scientist", env=TERMINAL_ENV)
    assert show_result.exit_code == 0, show_result.stderr
    assert "MarkupError" not in show_result.stderr
    assert "[bold]log line[/bold] and [/unclosed]" in show_result.stdout
    assert "[green]result[/green]" in show_result.stdout


def test_markup_error_in_jobs_show(cli, markup, monkeypatch):
    cli("run", "hard.markup_error", role="data_scientist")
    job_id = newest_job(cli, "data_scientist")
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    show_result = cli("jobs", "show", job_id, role="data_scientist", env=TERMINAL_ENV)
    assert show_result.exit_code == 0, show_result.stderr
    assert "ValueError: [red]boom[/red]" in show_result.stdout


def test_markup_code_view_terminal(cli, markup, monkeypatch):
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    show_result = cli(
        "endpoint", "show", "hard.markup_code", role="guest", env=TERMINAL_ENV
    )
    assert show_result.exit_code == 0, show_result.stderr
    assert "MarkupError" not in show_result.stderr
    assert 'return "[bold]"' in show_result.stdout
    assert "Flags rows as [red] when they fail the check." in show_result.stdout


def test_markup_description_plain(cli, markup):
    show_result = cli("endpoint", "show", "hard.markup_code", role="guest")
    assert show_result.exit_code == 0, show_result.stderr
    assert "Flags rows as [red] when they fail the check." in show_result.stdout
    assert 'return "[bold]"' in show_result.stdout


# Strict JSON, with warnings kept off stdout


@pytest.fixture
def json_endpoints(cli, site, endpoint_dir):
    write_source(endpoint_dir / "json_ep.py", JSON_SOURCE)
    add_ok(cli, "endpoints/json_ep.py")


def test_missing_values_strict_json(cli, json_endpoints):
    result = cli("run", "hard.missing_values", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout, parse_constant=reject_constant)
    assert rows[0] == {"ratio": None, "when": None}
    assert rows[1] == {"ratio": 2.5, "when": "2024-05-01T12:30:00"}
    assert rows[2] == {"ratio": None, "when": None}


def test_warnings_stay_off_stdout(cli, json_endpoints):
    # The test process makes the same pandas call, to learn which warning
    # category this pandas version emits for it.
    import pandas as pd

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pd.Series([3, 1, 2]).sum(0)
    assert caught, "the pandas call no longer warns; pick another"
    pandas_category = caught[0].category.__name__

    result = cli("run", "hard.noisy", "--format", "json", role="data_scientist")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout, parse_constant=reject_constant) == {"total": 6}
    assert "Warning" not in result.stderr
    job_id = newest_job(cli, "data_scientist")
    show_result = cli("jobs", "show", job_id, "--format", "json", role="data_scientist")
    assert show_result.exit_code == 0, show_result.stderr
    logs = json.loads(show_result.stdout)["logs"]
    assert "FutureWarning: the endpoint's own FutureWarning" in logs
    assert pandas_category in logs


# Blobs written by another Python, or changed after signing


def test_other_python_blob_exit_6(cli, site, endpoint_dir, tmp_path):
    write_source(endpoint_dir / "marker_ep.py", MARKER_SOURCE)
    add_ok(cli, "endpoints/marker_ep.py:write_marker")
    blob_path = function_blob(site, "hard.marker")
    header_line, _, payload = blob_path.read_bytes().partition(b"\n")
    header = {**json.loads(header_line), "python": "3.10"}
    blob_path.write_bytes(sign_header((site / "key").read_bytes(), header, payload))
    marker = tmp_path / "marker.txt"

    result = cli("run", "hard.marker", "--kw", f"marker={marker}", role="admin")
    assert_one_line_error(result, 6)
    assert "Python 3.10" in result.stderr
    assert f"Python {blobs.python_version()}" in result.stderr
    assert "syftapi endpoint update hard.marker" in result.stderr
    assert "TypeError" not in result.stderr
    assert not marker.exists()

    updated = cli(
        "endpoint",
        "update",
        "hard.marker",
        "--mock",
        "endpoints/marker_ep.py:write_marker",
        role="admin",
    )
    assert updated.exit_code == 0, updated.stderr
    rerun = run_json(cli, "hard.marker", "admin", "--kw", f"marker={marker}")
    assert rerun == "written"


def test_tampered_blob_never_runs(cli, site, endpoint_dir, tmp_path):
    write_source(endpoint_dir / "marker_ep.py", MARKER_SOURCE)
    add_ok(cli, "endpoints/marker_ep.py:write_marker")
    blob_path = function_blob(site, "hard.marker")
    blob = blob_path.read_bytes()
    # One byte in a string constant changes, so the pickle itself would still
    # load and run if the signature were not checked.
    assert blob.count(b"RAN-ONCE") == 1
    blob_path.write_bytes(blob.replace(b"RAN-ONCE", b"RAN-ONCF"))
    marker = tmp_path / "marker.txt"

    result = cli("run", "hard.marker", "--kw", f"marker={marker}", role="admin")
    assert_one_line_error(result, 6)
    assert "bad signature" in result.stderr
    assert not marker.exists()


# Control characters from users reach the terminal escaped

ESCAPE_SOURCE = '''
import syftapi_cli as sy


@sy.api_endpoint(path="hard.escapes", description="title\\x1b]0;owned\\x07 here")
def escapes(context) -> str:
    print("log \\x1b[2K\\x1b[1Gline")
    return "cell \\x1b[31mred\\u202e"


@sy.api_endpoint(path="hard.escape_error")
def escape_error(context) -> str:
    raise ValueError("bad \\x1b[2K value")
'''

# The source contains real escape characters. On a terminal that honours them,
# the decoy comment erases the line before it.
HIDING_CODE = '''
import syftapi_cli as sy


@sy.syft_function_single_use(data="my_org.get_data_sample")
def innocent(data):
    rows = data(length=2)
    rows = rows.drop(columns=["data"])  # \x1b[2K\x1b[1G    return rows   # harmless
    return rows
'''

RAW_CONTROLS = ("\x1b", "\x07", "\u202e")


def assert_escaped(text: str) -> None:
    for character in RAW_CONTROLS:
        assert character not in text, repr(character)


@pytest.fixture
def escapes(cli, site, endpoint_dir):
    write_source(endpoint_dir / "escape_ep.py", ESCAPE_SOURCE)
    add_ok(cli, "endpoints/escape_ep.py")


def test_escapes_in_result_shown(cli, escapes):
    result = cli("run", "hard.escapes", role="guest")
    assert result.exit_code == 0, result.stderr
    assert "cell \\x1b[31mred\\u202e" in result.stdout
    assert_escaped(result.stdout)


def test_escapes_in_result_json(cli, escapes):
    result = cli("run", "hard.escapes", "--format", "json", role="guest")
    assert json.loads(result.stdout) == "cell \x1b[31mred\u202e"


def test_escapes_in_logs_and_errors(cli, escapes):
    cli("run", "hard.escapes", role="admin")
    shown = cli("jobs", "show", newest_job(cli, "admin"), role="admin")
    assert "log \\x1b[2K\\x1b[1Gline" in shown.stdout
    assert_escaped(shown.stdout)
    failed = cli("run", "hard.escape_error", role="admin")
    assert failed.exit_code == 1
    assert "bad \\x1b[2K value" in failed.stderr
    assert_escaped(failed.stderr)


def test_escapes_in_description_terminal(cli, escapes, monkeypatch):
    from syftapi_cli.cli import endpoints as endpoint_commands

    monkeypatch.setattr(endpoint_commands, "stdout_is_terminal", lambda: True)
    shown = cli("endpoint", "show", "hard.escapes", role="guest", env=TERMINAL_ENV)
    assert shown.exit_code == 0, shown.stderr
    assert "\\x1b]0;owned\\x07" in shown.stdout
    assert_escaped(shown.stdout)


@pytest.mark.parametrize("terminal", [False, True])
def test_reviewer_sees_hidden_line(cli, site, tmp_path, monkeypatch, terminal):
    from syftapi_cli.cli import code as code_commands

    monkeypatch.setattr(code_commands, "stdout_is_terminal", lambda: terminal)
    module = tmp_path / "hiding_code.py"
    module.write_text(HIDING_CODE)
    submitted = cli("code", "submit", f"{module}:innocent", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr
    shown = cli("requests", "show", submitted.stdout.strip(), role="admin", env=TERMINAL_ENV)
    assert shown.exit_code == 0, shown.stderr
    assert "\\x1b[2K\\x1b[1G" in shown.stdout
    assert_escaped(shown.stdout)


def test_reviewer_csv_escaped(cli, site, tmp_path):
    module = tmp_path / "hiding_code.py"
    module.write_text(HIDING_CODE)
    submitted = cli("code", "submit", f"{module}:innocent", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr
    shown = cli("requests", "show", submitted.stdout.strip(), "--format", "csv", role="admin")
    assert shown.exit_code == 0, shown.stderr
    assert "\\x1b[2K" in shown.stdout
    assert_escaped(shown.stdout)


def test_result_json_escapes_controls(cli, escapes):
    result = cli("run", "hard.escapes", "--format", "json", role="guest")
    assert "\\u202e" in result.stdout
    assert_escaped(result.stdout)
