"""Shared fixtures: an isolated home per test, a CLI runner, a populated datasite."""

import hashlib
import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syftapi_cli.cli import core
from syftapi_cli.cli.app import app

REPO = Path(__file__).resolve().parent.parent
PASSWORDS = {
    "admin": "admin-password",
    "data_owner": "owner-password",
    "data_scientist": "scientist-password",
    "guest": "guest-password",
}
EMAILS = {
    "admin": "admin@example.org",
    "data_owner": "owner@example.org",
    "data_scientist": "ds@example.org",
    "guest": "guest@example.org",
}


def isolate(patch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point SYFTAPI_HOME and SYFTAPI_CONFIG_DIR into ROOT and work there; return the home."""
    for name in list(os.environ):
        if name.startswith("SYFTAPI_"):
            patch.delenv(name)
    home = root / "home"
    patch.setenv("SYFTAPI_HOME", str(home))
    patch.setenv("SYFTAPI_CONFIG_DIR", str(root / "config"))
    patch.setenv("SYFTAPI_INSECURE_FAST_HASH", "1")
    patch.chdir(root)
    core.options.state_dir = None
    core.options.debug = False
    return home


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Isolate every test in tmp_path; never touch the real user's folders."""
    return isolate(monkeypatch, tmp_path)


@dataclass
class Invoker:
    """Runs the real CLI in-process through Typer's CliRunner."""

    tokens: dict = field(default_factory=dict)

    def __call__(self, *args, input=None, role=None, env=None):
        environment = dict(env or {})
        if role is not None:
            environment["SYFTAPI_TOKEN"] = self.tokens[role]
        runner = CliRunner()
        return runner.invoke(app, [str(a) for a in args], input=input, env=environment)


@pytest.fixture
def cli():
    return Invoker()


def tree_digest(root: Path) -> str:
    """Hash every file's path, mode and bytes under ROOT, for 'nothing changed' checks.

    The append-only audit log is left out: it records refusals by design.
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.name == "audit.log":
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        digest.update(f"{relative}:{mode:o}\n".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def assert_one_line_error(result, exit_code: int) -> None:
    """The command failed with EXIT_CODE, one stderr line, and no traceback."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


@pytest.fixture
def site(cli, isolated_home):
    """A datasite with the walkthrough endpoints and one user per role, each with a token."""
    populate(cli, "sample_endpoints.walkthrough")
    return isolated_home


def populate(cli: Invoker, *endpoint_targets) -> None:
    """Create a datasite with one user and token per role, then add ENDPOINT_TARGETS as admin."""
    result = cli("init", "--admin-email", EMAILS["admin"], "--password-stdin", input=PASSWORDS["admin"] + "\n")
    assert result.exit_code == 0, result.stderr
    token = cli("token", "create", "--name", "tests")
    assert token.exit_code == 0, token.stderr
    cli.tokens["admin"] = token.stdout.strip()
    for role in ("data_owner", "data_scientist", "guest"):
        registered = cli(
            "users", "register", "--email", EMAILS[role], "--name", role.title(),
            "--role", role, "--password-stdin",
            input=PASSWORDS[role] + "\n", role="admin",
        )
        assert registered.exit_code == 0, registered.stderr
        created = cli(
            "token", "create", "--name", "tests",
            env={"SYFTAPI_USER": EMAILS[role], "SYFTAPI_PASSWORD": PASSWORDS[role]},
        )
        assert created.exit_code == 0, created.stderr
        cli.tokens[role] = created.stdout.strip()
    for target in endpoint_targets:
        added = cli("endpoint", "add", target, role="admin")
        assert added.exit_code == 0, added.stderr


def run_syftapi(*args, input=None, env=None, cwd=None, timeout=120):
    """Run the real `syftapi` entry point in a subprocess."""
    environment = {k: v for k, v in os.environ.items()}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "syftapi_cli", *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )
