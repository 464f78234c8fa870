"""Start-up paths that must stay light, and large results that must stream."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
sys.argv = ["syftapi", *json.loads(sys.argv[1])]
try:
    from syftapi_cli.entry import main
    main()
except SystemExit:
    pass
loaded = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("LOADED=" + json.dumps(loaded) + "\\n")
"""


def loaded_modules(args: list[str]) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(l for l in done.stderr.splitlines() if l.startswith("LOADED="))
    return done.stdout, set(json.loads(line[len("LOADED="):]))


def test_version_imports_nothing_heavy():
    output, loaded = loaded_modules(["--version"])
    assert output.startswith("syftapi ")
    assert "pandas" not in loaded
    assert "rich" not in loaded
    assert "typer" not in loaded


def test_help_skips_pandas():
    output, loaded = loaded_modules(["--help"])
    assert "Exit codes" in output
    assert "pandas" not in loaded


def test_int_run_json_stays_lean(cli, site):
    output, loaded = loaded_modules(
        ["run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3", "--format", "json"]
    )
    assert output == "5\n"
    assert "pandas" not in loaded
    assert "rich" not in loaded
    assert "pydantic" not in loaded
    assert "cloudpickle" not in loaded


@pytest.fixture
def big_frame(cli, site, tmp_path):
    module = tmp_path / "big.py"
    module.write_text(
        "import syftapi_cli as sy\n"
        "@sy.api_endpoint(path='my_org.big_frame')\n"
        "def big_frame(context, rows: int):\n"
        "    import pandas as pd\n"
        "    return pd.DataFrame({'n': range(rows), 'double': [2 * i for i in range(rows)]})\n"
    )
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr


def test_large_csv_streams_whole(cli, big_frame):
    result = cli("run", "my_org.big_frame", "--kw", "rows=250001", "--format", "csv", role="admin")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "n,double"
    assert len(lines) == 250_002
    assert lines.count("n,double") == 1
    assert lines[-1] == "250000,500000"


def test_large_result_kept_for_jobs(cli, big_frame):
    cli("run", "my_org.big_frame", "--kw", "rows=150000", "--format", "csv", role="admin")
    listed = json.loads(cli("jobs", "list", "--limit", "1", "--format", "json", role="admin").stdout)
    shown = cli("jobs", "show", listed[0]["id"], role="admin")
    assert shown.exit_code == 0, shown.stderr
    assert "150000 rows" in shown.stdout
