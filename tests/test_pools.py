"""Worker pools: adding and creating interpreters, and running endpoints and user code in them.

One virtual environment is built per module with `pool create` and a local
package that syftapi's own environment lacks. Other tests register that
environment in their own datasite with `pool add`.
"""

import fcntl
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from site import getsitepackages

import pytest

from tests.conftest import EMAILS, PASSWORDS, assert_one_line_error, tree_digest

# A module that syftapi's environment lacks and the pool installs.
PACKAGE = "syftapi_pool_probe"
PACKAGE_VALUE = 4217
SECRET = "pool-secret-93f1c2"
MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"

ENDPOINTS = '''
import sys
import time

import syftapi_cli as sy


@sy.api_endpoint(path="pooled.value", worker_pool="tiny")
def pooled_value(context) -> int:
    import {package}

    return {package}.VALUE


@sy.api_endpoint(path="plain.value")
def plain_value(context) -> int:
    import {package}

    return {package}.VALUE


@sy.api_endpoint_method()
def twin_mock(context) -> int:
    import {package}

    return {package}.VALUE


@sy.api_endpoint_method()
def twin_private(context) -> int:
    import {package}

    return 2 * {package}.VALUE


twin = sy.TwinAPIEndpoint(
    path="pooled.twin",
    mock_function=twin_mock,
    private_function=twin_private,
    worker_pool="tiny",
)
'''

USER_CODE = '''
import syftapi_cli as sy


@sy.syft_function_single_use(worker_pool_name="tiny", data="pooled.twin")
def pooled_code(data):
    import {package}

    return {package}.VALUE + data()


@sy.syft_function_single_use(worker_pool_name="ghost", data="pooled.twin")
def ghost_code(data):
    return data()
'''

# Endpoints that behave the same in every pool. {pool} is None or a pool name.
PARITY = '''
import sys
import time

import syftapi_cli as sy


@sy.api_endpoint(path="parity.sleepy", worker_pool={pool!r}, endpoint_timeout=1)
def sleepy(context):
    time.sleep(30)


@sy.api_endpoint(path="parity.leaky", worker_pool={pool!r}, settings={{"api_key": {secret!r}}})
def leaky(context):
    print("prefix", sys.prefix)
    print("key", context.settings["api_key"])
    raise ValueError("rejected key " + context.settings["api_key"])
'''


@dataclass
class BuiltPool:
    """The module's pool, built with `pool create` in a datasite of its own."""

    home: Path
    environment: dict
    python: Path
    created: subprocess.CompletedProcess
    seconds: float


def syftapi(environment: dict, *args, input=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "syftapi_cli", *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def write_package(folder: Path) -> Path:
    """Write a one-module package with a pyproject.toml; return its folder."""
    source = folder / "probe-package"
    (source / PACKAGE).mkdir(parents=True)
    (source / PACKAGE / "__init__.py").write_text(f"VALUE = {PACKAGE_VALUE}\n")
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{PACKAGE.replace('_', '-')}"
            version = "1.0"

            [tool.setuptools]
            packages = ["{PACKAGE}"]
            """
        )
    )
    return source


def offline_build_flags() -> list[str]:
    """Return --no-build-isolation when the pool can build with syftapi's setuptools.

    setuptools builds wheels on its own from 70.1; older releases also need
    the wheel package. Otherwise pip downloads the build tools.
    """
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return []
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    if (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None:
        return ["--no-build-isolation"]
    return []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built-pool")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}
    environment.update(
        SYFTAPI_HOME=str(root / "home"),
        SYFTAPI_CONFIG_DIR=str(root / "config"),
        SYFTAPI_INSECURE_FAST_HASH="1",
    )
    initialised = syftapi(
        environment, "init", "--admin-email", EMAILS["admin"], "--password-stdin",
        input=PASSWORDS["admin"] + "\n",
    )
    assert initialised.returncode == 0, initialised.stderr
    token = syftapi(environment, "token", "create")
    assert token.returncode == 0, token.stderr
    environment["SYFTAPI_TOKEN"] = token.stdout.strip()
    requirements = root / "requirements.txt"
    requirements.write_text(f"{write_package(root)}\n")
    started = time.monotonic()
    created = syftapi(
        environment, "pool", "create", "tiny", "--requirements", requirements,
        *offline_build_flags(),
    )
    seconds = time.monotonic() - started
    assert created.returncode == 0, created.stderr
    python = root / "home" / "pools" / "envs" / "tiny" / "bin" / "python"
    return BuiltPool(root / "home", environment, python, created, seconds)


@pytest.fixture
def tiny(cli, site, built):
    """The built environment registered as pool `tiny` in the test's datasite."""
    added = cli("pool", "add", "tiny", "--python", built.python, role="admin")
    assert added.exit_code == 0, added.stderr
    return built


@pytest.fixture
def endpoints_file(tmp_path):
    path = tmp_path / "pooled_endpoints.py"
    path.write_text(ENDPOINTS.format(package=PACKAGE))
    return path


def run_json(cli, role: str, *args):
    result = cli("run", *args, "--format", "json", role=role)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def pools_by_name(cli) -> dict:
    listed = cli("pool", "list", "--format", "json", role="admin")
    assert listed.exit_code == 0, listed.stderr
    return {row["name"]: row for row in json.loads(listed.stdout)}


def newest_job(cli) -> dict:
    listed = cli("jobs", "list", "--limit", "1", "--format", "json", role="admin")
    assert listed.exit_code == 0, listed.stderr
    return json.loads(listed.stdout)[0]


def other_minor_python() -> str | None:
    """Return a working interpreter of another Python 3 minor version, or None."""
    names = [f"python3.{minor}" for minor in range(8, 16) if minor != sys.version_info[1]]
    candidates = [shutil.which(name) for name in names]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(
        str(path)
        for path in pyenv.glob("versions/3.*/bin/python3.*")
        if re.fullmatch(r"python3\.\d+", path.name)
    )
    for candidate in filter(None, candidates):
        try:
            checked = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        version = checked.stdout.strip()
        if checked.returncode == 0 and version.startswith("3.") and version != MINOR:
            return candidate
    return None


# Creating a pool


def test_create_reports_progress(built):
    lines = built.created.stderr.strip().splitlines()
    assert built.created.stdout == ""
    assert lines[0].startswith("creating a virtual environment")
    assert any(line.startswith("installing the requirements") for line in lines)
    assert lines[-1].startswith("created worker pool 'tiny'")


def test_create_builds_owner_only_env(built):
    folder = built.home / "pools" / "envs" / "tiny"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert built.python.exists()


def test_create_installs_package_in_pool(built):
    in_pool = subprocess.run(
        [built.python, "-I", "-c", f"import {PACKAGE}; print({PACKAGE}.VALUE)"],
        capture_output=True, text=True,
    )
    assert in_pool.stdout.strip() == str(PACKAGE_VALUE)
    assert importlib.util.find_spec(PACKAGE) is None


def test_create_shares_syftapi_packages(built):
    reached = subprocess.run(
        [built.python, "-I", "-c", "import cloudpickle, json, sys; print(json.dumps(sys.path))"],
        capture_output=True, text=True,
    )
    assert reached.returncode == 0, reached.stderr
    path = json.loads(reached.stdout)
    own = path.index(str(built.home / "pools" / "envs" / "tiny" / "lib" / f"python{MINOR}" / "site-packages"))
    shared = [path.index(folder) for folder in getsitepackages() if os.path.isdir(folder)]
    assert shared
    assert own < min(shared)


def test_created_pool_listed(built):
    listed = syftapi(built.environment, "pool", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["tiny"]["kind"] == "created"
    assert rows["tiny"]["version"] == MINOR
    assert rows["tiny"]["status"] == "ready"
    assert rows["tiny"]["python"] == str(built.python)
    assert rows["default"]["python"] == sys.executable


def test_show_lists_pool_packages(built):
    show_result = syftapi(built.environment, "pool", "show", "tiny", "--format", "json")
    assert show_result.returncode == 0, show_result.stderr
    details = json.loads(show_result.stdout)
    names = {package["name"].replace("-", "_") for package in details["packages"]}
    assert PACKAGE in names
    assert "cloudpickle" not in names
    assert details["requirements"].strip().endswith("probe-package")
    assert details["environment"] == str(built.home / "pools" / "envs" / "tiny")


def test_show_all_adds_shared_packages(built):
    show_result = syftapi(built.environment, "pool", "show", "tiny", "--all", "--format", "json")
    assert show_result.returncode == 0, show_result.stderr
    packages = {p["name"]: p for p in json.loads(show_result.stdout)["packages"]}
    assert packages["cloudpickle"]["in_pool"] is False


def test_created_pool_runs_endpoint(built, tmp_path):
    module = tmp_path / "pooled_endpoints.py"
    module.write_text(ENDPOINTS.format(package=PACKAGE))
    added = syftapi(built.environment, "endpoint", "add", f"{module}:pooled_value")
    assert added.returncode == 0, added.stderr
    ran = syftapi(built.environment, "run", "pooled.value", "--format", "json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == PACKAGE_VALUE


def test_create_removes_failed_build(cli, site, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("./no-such-folder\n")
    before = tree_digest(site)
    result = cli("pool", "create", "broken", "--requirements", requirements, role="admin")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "pip could not install" in errors[0]
    assert "Traceback" not in result.stderr
    assert tree_digest(site) == before


def test_create_replaces_half_built_env(cli, site):
    leftover = site / "pools" / "envs" / "stale"
    leftover.mkdir(parents=True)
    (leftover / "partial").write_text("left by a killed build")
    result = cli("pool", "create", "stale", role="admin")
    assert result.exit_code == 0, result.stderr
    assert not (leftover / "partial").exists()
    assert (leftover / "bin" / "python").exists()


def test_create_busy_name_rejected(cli, site):
    folder = site / "pools" / "envs" / "busy"
    folder.mkdir(parents=True)
    holder = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = cli("pool", "create", "busy", role="admin")
    finally:
        os.close(holder)
    assert_one_line_error(result, 2)
    assert "being created" in result.stderr
    assert folder.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (("Bad Name",), "invalid pool name"),
        (("default",), "'default'"),
        (("fresh", "--requirements", "missing.txt"), "cannot read requirements file"),
        (("fresh", "--python", "no-such-python-zz"), "no such command"),
    ],
)
def test_create_rejects_bad_input(cli, site, args, message):
    before = tree_digest(site)
    result = cli("pool", "create", *args, role="admin")
    assert_one_line_error(result, 2)
    assert message in result.stderr
    assert tree_digest(site) == before


def test_create_rejects_existing_name(cli, site):
    added = cli("pool", "add", "taken", "--python", sys.executable, role="admin")
    assert added.exit_code == 0, added.stderr
    before = tree_digest(site)
    result = cli("pool", "create", "taken", role="admin")
    assert_one_line_error(result, 2)
    assert "already exists" in result.stderr
    assert tree_digest(site) == before


# Adding a pool


def test_add_reports_python_version(cli, site):
    result = cli("pool", "add", "spare", "--python", sys.executable, role="data_owner")
    assert result.exit_code == 0, result.stderr
    assert f"(Python {MINOR})" in result.stderr
    assert pools_by_name(cli)["spare"]["kind"] == "added"


def test_add_keeps_interpreter_behind_launcher(cli, site, tmp_path):
    launcher = tmp_path / "python-launcher"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    launcher.chmod(0o755)
    result = cli("pool", "add", "launched", "--python", launcher, role="admin")
    assert result.exit_code == 0, result.stderr
    stored = pools_by_name(cli)["launched"]["python"]
    assert stored != str(launcher)
    assert os.path.samefile(stored, sys.executable)


def test_add_names_missing_module(cli, site, tmp_path):
    bare = tmp_path / "bare-env"
    venv_result = subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", bare], capture_output=True
    )
    assert venv_result.returncode == 0, venv_result.stderr
    before = tree_digest(site)
    result = cli("pool", "add", "bare", "--python", bare / "bin" / "python", role="admin")
    assert_one_line_error(result, 2)
    assert "module 'cloudpickle' is missing" in result.stderr
    assert "-m pip install cloudpickle" in result.stderr
    assert tree_digest(site) == before


def test_add_rejects_other_minor(cli, site):
    other = other_minor_python()
    if other is None:
        pytest.skip(f"no Python 3 interpreter other than {MINOR} on this machine")
    before = tree_digest(site)
    result = cli("pool", "add", "other", "--python", other, role="admin")
    assert_one_line_error(result, 2)
    assert f"but syftapi runs on Python {MINOR}" in result.stderr
    assert "pickles" in result.stderr
    assert tree_digest(site) == before


def test_create_rejects_other_minor(cli, site):
    other = other_minor_python()
    if other is None:
        pytest.skip(f"no Python 3 interpreter other than {MINOR} on this machine")
    before = tree_digest(site)
    result = cli("pool", "create", "other", "--python", other, role="admin")
    assert_one_line_error(result, 2)
    assert f"but syftapi runs on Python {MINOR}" in result.stderr
    assert tree_digest(site) == before


def test_add_rejects_bad_input(cli, site, tmp_path):
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    first_add = cli("pool", "add", "taken", "--python", sys.executable, role="admin")
    assert first_add.exit_code == 0, first_add.stderr
    cases = [
        (("Bad Name", "--python", sys.executable), "invalid pool name"),
        (("default", "--python", sys.executable), "'default'"),
        (("taken", "--python", sys.executable), "already exists"),
        (("fresh", "--python", tmp_path / "missing"), "not an executable file"),
        (("fresh", "--python", tmp_path), "not an executable file"),
        (("fresh", "--python", "no-such-python-zz"), "no such command"),
        (("fresh", "--python", fake), "failed the version check"),
        (("fresh",), "--python"),
    ]
    before = tree_digest(site)
    for args, message in cases:
        result = cli("pool", "add", *args, role="admin")
        assert_one_line_error(result, 2)
        assert message in result.stderr, args
    assert tree_digest(site) == before


# Listing, showing and deleting


def test_list_shows_endpoints_per_pool(cli, tiny, endpoints_file):
    added = cli("endpoint", "add", endpoints_file, role="admin")
    assert added.exit_code == 0, added.stderr
    rows = pools_by_name(cli)
    assert sorted(rows["tiny"]["endpoints"]) == ["pooled.twin", "pooled.value"]
    assert "plain.value" in rows["default"]["endpoints"]
    assert rows["tiny"]["python"] == str(tiny.python)


def test_show_unknown_pool(cli, site):
    result = cli("pool", "show", "ghost", role="admin")
    assert_one_line_error(result, 4)
    assert "'ghost'" in result.stderr


def test_show_table_lists_packages(cli, tiny):
    result = cli("pool", "show", "tiny", role="admin")
    assert result.exit_code == 0, result.stderr
    assert "packages (1):" in result.stdout
    assert PACKAGE.replace("_", "-") in result.stdout


def test_delete_in_use_rejected(cli, site, tiny, endpoints_file):
    cli("endpoint", "add", f"{endpoints_file}:pooled_value", role="admin")
    before = tree_digest(site)
    result = cli("pool", "delete", "tiny", "--yes", role="admin")
    assert_one_line_error(result, 2)
    assert "pooled.value" in result.stderr
    assert "--force" in result.stderr
    assert tree_digest(site) == before


def test_delete_needs_yes(cli, site):
    cli("pool", "add", "spare", "--python", sys.executable, role="admin")
    result = cli("pool", "delete", "spare", role="admin")
    assert_one_line_error(result, 2)
    assert "--yes" in result.stderr


def test_delete_unknown_and_default(cli, site):
    unknown = cli("pool", "delete", "ghost", "--yes", role="admin")
    assert_one_line_error(unknown, 4)
    default = cli("pool", "delete", "default", "--yes", role="admin")
    assert_one_line_error(default, 2)


def test_delete_removes_created_env(cli, site):
    created = cli("pool", "create", "scratch", role="admin")
    assert created.exit_code == 0, created.stderr
    folder = site / "pools" / "envs" / "scratch"
    assert folder.is_dir()
    deleted = cli("pool", "delete", "scratch", "--yes", role="admin")
    assert deleted.exit_code == 0, deleted.stderr
    assert not folder.exists()
    assert list(folder.parent.iterdir()) == []
    assert "scratch" not in pools_by_name(cli)


def test_pool_management_needs_owner(cli, site):
    cli("pool", "add", "spare", "--python", sys.executable, role="admin")
    commands = [
        ("pool", "add", "extra", "--python", sys.executable),
        ("pool", "create", "extra"),
        ("pool", "list"),
        ("pool", "show", "spare"),
        ("pool", "delete", "spare", "--yes"),
    ]
    before = tree_digest(site)
    for role in ("data_scientist", "guest"):
        for command in commands:
            result = cli(*command, role=role)
            assert_one_line_error(result, 3)
            assert "permission denied" in result.stderr, (role, command)
    assert tree_digest(site) == before
    created = cli("pool", "create", "owned", role="data_owner")
    assert created.exit_code == 0, created.stderr


# Running in a pool


def test_pooled_endpoint_imports_package(cli, tiny, endpoints_file):
    added = cli("endpoint", "add", endpoints_file, role="admin")
    assert added.exit_code == 0, added.stderr
    assert run_json(cli, "guest", "pooled.value") == PACKAGE_VALUE


def test_unpooled_endpoint_names_module(cli, tiny, endpoints_file):
    cli("endpoint", "add", endpoints_file, role="admin")
    result = cli("run", "plain.value", role="admin")
    assert_one_line_error(result, 1)
    assert f"'{PACKAGE}'" in result.stderr
    assert newest_job(cli)["status"] == "errored"


def test_twin_runs_both_sides_in_pool(cli, tiny, endpoints_file):
    cli("endpoint", "add", endpoints_file, role="admin")
    assert run_json(cli, "data_scientist", "pooled.twin") == PACKAGE_VALUE
    assert run_json(cli, "admin", "pooled.twin") == 2 * PACKAGE_VALUE


def test_update_moves_endpoint_pool(cli, tiny, endpoints_file):
    cli("endpoint", "add", endpoints_file, role="admin")
    moved = cli("endpoint", "update", "plain.value", "--worker-pool", "tiny", role="admin")
    assert moved.exit_code == 0, moved.stderr
    assert run_json(cli, "admin", "plain.value") == PACKAGE_VALUE
    back = cli("endpoint", "update", "plain.value", "--worker-pool", "default", role="admin")
    assert back.exit_code == 0, back.stderr
    listed = cli("endpoint", "list", "--format", "json", role="admin")
    rows = {row["path"]: row for row in json.loads(listed.stdout)}
    assert rows["plain.value"]["worker_pool"] == "default"
    assert cli("run", "plain.value", role="admin").exit_code == 1


def test_update_to_broken_pool_rejected(cli, site, tmp_path):
    link = tmp_path / "linked-python"
    link.symlink_to(sys.executable)
    added = cli("pool", "add", "linked", "--python", link, role="admin")
    assert added.exit_code == 0, added.stderr
    module = tmp_path / "plain_endpoint.py"
    module.write_text(
        "import syftapi_cli as sy\n\n\n"
        "@sy.api_endpoint(path='plain.value')\n"
        "def plain_value(context) -> int:\n"
        "    return 1\n"
    )
    assert cli("endpoint", "add", module, role="admin").exit_code == 0
    link.unlink()
    before = tree_digest(site)
    result = cli("endpoint", "update", "plain.value", "--worker-pool", "linked", role="admin")
    assert_one_line_error(result, 4)
    assert "'linked'" in result.stderr
    assert tree_digest(site) == before


def test_update_unknown_pool_rejected(cli, site, tiny, endpoints_file):
    cli("endpoint", "add", endpoints_file, role="admin")
    before = tree_digest(site)
    result = cli("endpoint", "update", "plain.value", "--worker-pool", "ghost", role="admin")
    assert_one_line_error(result, 4)
    assert "'ghost'" in result.stderr
    assert tree_digest(site) == before


def test_user_code_runs_in_pool(cli, tiny, endpoints_file, tmp_path):
    cli("endpoint", "add", endpoints_file, role="admin")
    code_file = tmp_path / "pooled_code.py"
    code_file.write_text(USER_CODE.format(package=PACKAGE))
    submitted = cli("code", "submit", f"{code_file}:pooled_code", "--format", "json", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr
    request_id = json.loads(submitted.stdout)["request_id"]
    approved = cli("requests", "approve", request_id, "--yes", role="admin")
    assert approved.exit_code == 0, approved.stderr
    ran = cli("code", "run", "pooled_code", "--format", "json", role="data_scientist")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == 3 * PACKAGE_VALUE


def test_user_code_unknown_pool_rejected(cli, site, tiny, endpoints_file, tmp_path):
    cli("endpoint", "add", endpoints_file, role="admin")
    code_file = tmp_path / "pooled_code.py"
    code_file.write_text(USER_CODE.format(package=PACKAGE))
    before = tree_digest(site)
    result = cli("code", "submit", f"{code_file}:ghost_code", role="data_scientist")
    assert_one_line_error(result, 4)
    assert "'ghost'" in result.stderr
    assert tree_digest(site) == before


def test_user_code_keeps_run_without_pool(cli, site, tiny, endpoints_file, tmp_path):
    cli("endpoint", "add", endpoints_file, role="admin")
    code_file = tmp_path / "pooled_code.py"
    code_file.write_text(USER_CODE.format(package=PACKAGE))
    submitted = cli("code", "submit", f"{code_file}:pooled_code", "--format", "json", role="data_scientist")
    cli("requests", "approve", json.loads(submitted.stdout)["request_id"], "--yes", role="admin")
    cli("pool", "delete", "tiny", "--yes", "--force", role="admin")
    missing = cli("code", "run", "pooled_code", role="data_scientist")
    assert_one_line_error(missing, 4)
    assert "'tiny'" in missing.stderr
    readded = cli("pool", "add", "tiny", "--python", tiny.python, role="admin")
    assert readded.exit_code == 0, readded.stderr
    ran = cli("code", "run", "pooled_code", "--format", "json", role="data_scientist")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == 3 * PACKAGE_VALUE


# A pool that does not exist


def test_add_endpoint_unknown_pool(cli, site, endpoints_file):
    before = tree_digest(site)
    result = cli("endpoint", "add", endpoints_file, role="admin")
    assert_one_line_error(result, 4)
    assert "'tiny'" in result.stderr
    assert tree_digest(site) == before


def test_run_after_forced_delete(cli, tiny, endpoints_file):
    cli("endpoint", "add", endpoints_file, role="admin")
    deleted = cli("pool", "delete", "tiny", "--yes", "--force", role="admin")
    assert deleted.exit_code == 0, deleted.stderr
    assert "pooled.value" in deleted.stderr
    result = cli("run", "pooled.value", role="admin")
    assert_one_line_error(result, 4)
    assert "'tiny'" in result.stderr


def test_run_after_interpreter_removed(cli, site, tmp_path):
    created = cli("pool", "create", "gone", role="admin")
    assert created.exit_code == 0, created.stderr
    module = tmp_path / "gone_endpoint.py"
    module.write_text(
        "import syftapi_cli as sy\n\n\n"
        "@sy.api_endpoint(path='gone.value', worker_pool='gone')\n"
        "def gone_value(context) -> int:\n"
        "    return 1\n"
    )
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr
    shutil.rmtree(site / "pools" / "envs" / "gone")
    result = cli("run", "gone.value", role="admin")
    assert_one_line_error(result, 4)
    assert "'gone'" in result.stderr
    assert pools_by_name(cli)["gone"]["status"] == "interpreter missing"
    show_result = cli("pool", "show", "gone", "--format", "json", role="admin")
    assert json.loads(show_result.stdout)["packages"] is None


# Timeouts and redaction behave the same in the default pool and in a pool


@pytest.mark.parametrize("pool", [None, "tiny"])
def test_timeout_same_in_pool(cli, tiny, tmp_path, pool):
    module = tmp_path / "parity.py"
    module.write_text(PARITY.format(pool=pool, secret=SECRET))
    added = cli("endpoint", "add", f"{module}:sleepy", role="admin")
    assert added.exit_code == 0, added.stderr
    started = time.monotonic()
    result = cli("run", "parity.sleepy", role="admin")
    elapsed = time.monotonic() - started
    assert_one_line_error(result, 1)
    assert "timed out" in result.stderr
    assert elapsed < 10
    assert newest_job(cli)["status"] == "timed_out"


@pytest.mark.parametrize("pool", [None, "tiny"])
def test_redaction_same_in_pool(cli, tiny, tmp_path, pool):
    module = tmp_path / "parity.py"
    module.write_text(PARITY.format(pool=pool, secret=SECRET))
    added = cli("endpoint", "add", f"{module}:leaky", role="admin")
    assert added.exit_code == 0, added.stderr
    result = cli("run", "parity.leaky", role="admin")
    assert result.exit_code == 1
    assert SECRET not in result.stderr
    assert "rejected key ***" in result.stderr
    job = newest_job(cli)
    shown = cli("jobs", "show", job["id"], "--format", "json", role="admin")
    details = json.loads(shown.stdout)
    assert SECRET not in details["logs"]
    assert "key ***" in details["logs"]
    expected_prefix = str(tiny.home / "pools" / "envs" / "tiny") if pool else sys.prefix
    assert f"prefix {expected_prefix}" in details["logs"]


# The sample


def test_sample_needs_analytics_pool(cli, site):
    if importlib.util.find_spec("scipy") is not None:
        pytest.skip("scipy is installed here, so the sample runs without its pool")
    missing = cli("endpoint", "add", "sample_endpoints.pooled", role="admin")
    assert_one_line_error(missing, 4)
    assert "'analytics'" in missing.stderr
    cli("pool", "add", "analytics", "--python", sys.executable, role="admin")
    added = cli("endpoint", "add", "sample_endpoints.pooled", role="admin")
    assert added.exit_code == 0, added.stderr
    result = cli("run", "my_org.describe_numbers", "--kw", "values=[1, 2, 4]", role="admin")
    assert_one_line_error(result, 1)
    assert "'scipy'" in result.stderr
