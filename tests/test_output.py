"""Result rendering: plain tables off a terminal, JSON and CSV encodings, and which stream gets what."""

import csv
import io
import json
import textwrap

import pytest

from syftapi_cli.cli import output
from tests.conftest import assert_one_line_error

OUTPUT_MODULE = '''
import syftapi_cli as sy


@sy.api_endpoint(path="out.frame")
def frame(context, rows: int = 3):
    import pandas as pd

    return pd.DataFrame({"n": range(rows), "square": [i * i for i in range(rows)]})


@sy.api_endpoint(path="out.mixed")
def mixed(context):
    import pandas as pd

    return pd.DataFrame(
        {
            "count": [1, 2],
            "ratio": [1.5, float("nan")],
            "when": [pd.Timestamp("2024-05-01 12:30:00"), pd.NaT],
            "label": ["a", None],
        }
    )


@sy.api_endpoint(path="out.series")
def series(context):
    import pandas as pd

    return pd.Series({"a": 1, "b": 2.5, "c": float("nan")})


@sy.api_endpoint(path="out.scalar")
def scalar(context, kind: str):
    import numpy as np

    values = {
        "int64": np.int64(7),
        "float64": np.float64(2.5),
        "bool": np.bool_(True),
        "nan": np.float64("nan"),
    }
    return values[kind]


@sy.api_endpoint(path="out.markup")
def markup(context):
    import pandas as pd

    return pd.DataFrame({"cell": ["[red]x[/red]", "a[b]c", "[bold]", "[/tmp/x.jpg]"]})
'''

MARKUP_CELLS = ["[red]x[/red]", "a[b]c", "[bold]", "[/tmp/x.jpg]"]
COLOUR_ENV = {"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm-256color", "CLICOLOR_FORCE": "1"}


@pytest.fixture
def add_endpoint(cli, site, tmp_path):
    """Return a function that registers one endpoint of OUTPUT_MODULE by attribute name."""
    module = tmp_path / "output_endpoints.py"
    module.write_text(textwrap.dedent(OUTPUT_MODULE))

    def add(attribute: str) -> None:
        added = cli("endpoint", "add", f"{module}:{attribute}", role="admin")
        assert added.exit_code == 0, added.stderr

    return add


def run_ok(cli, *args, env=None):
    result = cli("run", *args, role="guest", env=env)
    assert result.exit_code == 0, result.stderr
    return result


def frame_rows(table_text: str) -> list[list[str]]:
    """Return the cells of each line between the header and the row count."""
    return [line.split() for line in table_text.splitlines()[1:] if "rows" not in line]


# Tables off a terminal


def test_frame_plain_table(cli, add_endpoint):
    add_endpoint("frame")
    result = run_ok(cli, "out.frame")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["n", "square"]
    assert frame_rows(result.stdout) == [["0", "0"], ["1", "1"], ["2", "4"]]
    assert "3 rows" in result.stdout
    assert "\x1b" not in result.stdout
    assert "│" not in result.stdout
    assert result.stderr == ""


def test_large_frame_head_tail(cli, add_endpoint):
    add_endpoint("frame")
    result = run_ok(cli, "out.frame", "--kw", "rows=100")
    rows = frame_rows(result.stdout)
    row_numbers = [int(row[0]) for row in rows if row[0].isdigit()]
    assert row_numbers == [*range(10), *range(90, 100)]
    assert rows[10] == ["..."]
    assert "100 rows" in result.stdout


def test_medium_frame_shows_all(cli, add_endpoint):
    add_endpoint("frame")
    result = run_ok(cli, "out.frame", "--kw", "rows=20")
    row_numbers = [int(row[0]) for row in frame_rows(result.stdout)]
    assert row_numbers == list(range(20))


def test_markup_cells_plain_table(cli, add_endpoint):
    add_endpoint("markup")
    result = run_ok(cli, "out.markup")
    rows = [line.strip() for line in result.stdout.splitlines()[1:5]]
    assert rows == MARKUP_CELLS


def test_markup_cells_rich_table(cli, add_endpoint, monkeypatch):
    add_endpoint("markup")
    # Rich renders the table only when stdout is a terminal, which CliRunner's is not.
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = run_ok(cli, "out.markup", env={"NO_COLOR": "1", "COLUMNS": "100"})
    for cell in MARKUP_CELLS:
        assert f"│ {cell} " in result.stdout, cell


# JSON


def test_frame_json_rows(cli, add_endpoint):
    add_endpoint("frame")
    result = run_ok(cli, "out.frame", "--format", "json")
    assert json.loads(result.stdout) == [
        {"n": 0, "square": 0},
        {"n": 1, "square": 1},
        {"n": 2, "square": 4},
    ]


def test_mixed_frame_json(cli, add_endpoint):
    add_endpoint("mixed")
    result = run_ok(cli, "out.mixed", "--format", "json")
    rows = json.loads(result.stdout)
    assert rows[0] == {"count": 1, "ratio": 1.5, "when": "2024-05-01T12:30:00", "label": "a"}
    assert rows[1] == {"count": 2, "ratio": None, "when": None, "label": None}
    assert "NaN" not in result.stdout
    assert "NaT" not in result.stdout


def test_series_json_object(cli, add_endpoint):
    add_endpoint("series")
    result = run_ok(cli, "out.series", "--format", "json")
    assert json.loads(result.stdout) == {"a": 1, "b": 2.5, "c": None}


def test_numpy_scalars_json(cli, add_endpoint):
    add_endpoint("scalar")
    cases = {"int64": "7", "float64": "2.5", "bool": "true", "nan": "null"}
    for kind, expected in cases.items():
        result = run_ok(cli, "out.scalar", "--kw", f"kind={kind}", "--format", "json")
        assert result.stdout == expected + "\n", kind


# CSV


def test_frame_csv(cli, add_endpoint):
    add_endpoint("frame")
    result = run_ok(cli, "out.frame", "--format", "csv")
    assert result.stdout == "n,square\n0,0\n1,1\n2,4\n"


def test_csv_missing_values_empty(cli, add_endpoint):
    add_endpoint("mixed")
    result = run_ok(cli, "out.mixed", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[1] == {"count": "2", "ratio": "", "when": "", "label": ""}


def test_csv_markup_cells_verbatim(cli, add_endpoint):
    add_endpoint("markup")
    result = run_ok(cli, "out.markup", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["cell"], *([cell] for cell in MARKUP_CELLS)]


# No colour codes in JSON or CSV


def test_run_output_no_ansi(cli, add_endpoint):
    add_endpoint("mixed")
    for fmt in ("json", "csv"):
        result = run_ok(cli, "out.mixed", "--format", fmt, env=COLOUR_ENV)
        assert "\x1b" not in result.stdout, fmt


def test_terminal_output_no_ansi(cli, add_endpoint, monkeypatch):
    add_endpoint("markup")
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    for fmt in ("json", "csv"):
        result = run_ok(cli, "out.markup", "--format", fmt, env=COLOUR_ENV)
        assert "\x1b" not in result.stdout, fmt


def test_jobs_list_no_ansi(cli, site, monkeypatch):
    run_ok(cli, "my_org.sum_numbers", "--kw", "number_1=1", "--kw", "number_2=1")
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    for fmt in ("json", "csv"):
        result = cli("jobs", "list", "--format", fmt, role="admin", env=COLOUR_ENV)
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout, fmt


# Data on stdout, notes on stderr


def test_json_stdout_only_data(cli, add_endpoint):
    add_endpoint("series")
    result = run_ok(cli, "out.series", "--format", "json")
    assert isinstance(json.loads(result.stdout), dict)
    assert result.stderr == ""


def test_add_note_on_stderr(cli, site, tmp_path):
    module = tmp_path / "one_endpoint.py"
    module.write_text(textwrap.dedent(OUTPUT_MODULE))
    added = cli("endpoint", "add", f"{module}:scalar", role="admin")
    assert added.exit_code == 0, added.stderr
    assert added.stdout == ""
    assert "out.scalar" in added.stderr


def test_empty_state_note_stderr(cli, site):
    result = cli("state", "show", "my_org.sum_numbers", "--format", "json", role="admin")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {}
    assert "no state" in result.stderr


def test_error_only_on_stderr(cli, site):
    result = cli(
        "run", "my_org.sum_numbers", "--kw", "number_1=1", "--kw", "extra=1", role="guest"
    )
    assert_one_line_error(result, 2)
    assert result.stdout == ""


def test_csv_keeps_float_digits(cli, site):
    result = cli("endpoint", "show", "my_org.sum_numbers", "--format", "csv", role="admin")
    assert result.exit_code == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert float(row["updated_at"]) > 1e9
    assert "e+" not in row["updated_at"]
