"""`syftapi demo` runs the whole walkthrough and leaves nothing behind."""

import tempfile
from pathlib import Path

from tests.conftest import run_syftapi


def test_demo_runs_walkthrough(tmp_path):
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    result = run_syftapi("demo", env={"TMPDIR": str(temp_root)}, timeout=300)
    assert result.returncode == 0, result.stderr
    for expected in (
        "syftapi endpoint add sample_endpoints.walkthrough",
        "another_mock_example",
        "private_example",
        "error: permission denied",
        "awaits approval",
        "approved request",
        "already did; this is the stored result",
        "Oh, look, I updated the mock function!",
        "(hidden by the endpoint's owner)",
        "west",
        "deleted endpoint my_org.sum_numbers",
    ):
        assert expected in result.stdout, expected
    assert "Traceback" not in result.stdout + result.stderr
    assert list(temp_root.iterdir()) == []


def test_demo_keeps_real_home_untouched(tmp_path):
    home = tmp_path / "untouched"
    result = run_syftapi(
        "demo", env={"SYFTAPI_HOME": str(home), "SYFTAPI_CONFIG_DIR": str(home)}, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert not home.exists()


def test_tempdir_is_default_location():
    assert Path(tempfile.gettempdir()).is_dir()
