"""`syftapi demo`: the reference walkthrough, run in a throwaway datasite.

Each step runs the real `syftapi` in a subprocess and prints the command as a
user would type it, followed by its output. The datasite, sessions and SQLite
files live in a temporary folder that is removed at the end.
"""

import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADMIN = "admin@example.org"
SCIENTIST = "ds@example.org"
# Throwaway credentials for a datasite that exists only while the demo runs.
ADMIN_PASSWORD = "demo-admin-password"
SCIENTIST_PASSWORD = "demo-scientist-password"


@dataclass
class Step:
    """One command of the walkthrough and the exit code it should end with."""

    comment: str
    args: list[str]
    as_admin: bool = True
    stdin: str | None = None
    stdin_shown: str | None = None
    expect: int = 0


def _steps(sql_folder: Path) -> list[Step]:
    walkthrough = "sample_endpoints.walkthrough"
    sql = "SELECT region, SUM(amount) AS total FROM orders GROUP BY region"
    return [
        Step("The admin adds the public and the twin endpoint.", ["endpoint", "add", walkthrough]),
        Step("", ["endpoint", "list"]),
        Step("Anyone runs the public endpoint.", ["run", "my_org.sum_numbers", "--kw", "number_1=2", "--kw", "number_2=3"]),
        Step(
            "The admin registers a data scientist.",
            ["users", "register", "--email", SCIENTIST, "--name", "Dana Scientist",
             "--role", "data_scientist", "--password-stdin"],
            stdin=SCIENTIST_PASSWORD + "\n", stdin_shown="< ds-password.txt",
        ),
        Step(
            "The data scientist logs in.",
            ["login", SCIENTIST, "--password-stdin"],
            as_admin=False, stdin=SCIENTIST_PASSWORD + "\n", stdin_shown="< ds-password.txt",
        ),
        Step("The data scientist sees the mock code, never the private code.", ["endpoint", "show", "my_org.get_data_sample"], as_admin=False),
        Step("A plain run gives the data scientist the mock side.", ["run", "my_org.get_data_sample", "--kw", "length=2"], as_admin=False),
        Step("Running the private side directly is denied.", ["run", "my_org.get_data_sample", "--private", "--kw", "length=2"], as_admin=False, expect=3),
        Step("The admin's plain run gives the private side.", ["run", "my_org.get_data_sample", "--kw", "length=2"]),
        Step("The admin sees all code; settings values stay masked.", ["endpoint", "show", "my_org.get_data_sample"]),
        Step("Scripts ask for JSON.", ["run", "my_org.get_data_sample", "--kw", "length=2", "--format", "json"]),
        Step(
            "The data scientist submits code that uses the private data.",
            ["code", "submit", "sample_endpoints.user_code:get_sample_fixed_length"],
            as_admin=False,
        ),
        Step("Until it is approved, it does not run.", ["code", "run", "get_sample_fixed_length"], as_admin=False, expect=5),
        Step("The admin reviews and approves the newest request.", ["requests", "list"]),
        Step("", ["requests", "approve", "--yes"]),
        Step("Now it runs on the private data.", ["code", "run", "get_sample_fixed_length"], as_admin=False),
        Step("It was single-use: a second run returns the stored result.", ["code", "run", "get_sample_fixed_length"], as_admin=False),
        Step("The admin replaces the mock.", ["endpoint", "update", "my_org.get_data_sample", "--mock", f"{walkthrough}:updated_mock"]),
        Step("", ["run", "my_org.get_data_sample", "--kw", "length=2"], as_admin=False),
        Step("The admin hides the mock definition and raises the timeout.", ["endpoint", "update", "my_org.get_data_sample", "--hide-mock-definition", "--timeout", "120"]),
        Step("", ["endpoint", "show", "my_org.get_data_sample"], as_admin=False),
        Step("The SQL bridge: a mock and a private SQLite database.", [sys.executable, "-m", "sample_endpoints.sql_bridge", str(sql_folder)]),
        Step("", ["endpoint", "add", "sample_endpoints.sql_bridge"]),
        Step(
            "Each side's settings name its database.",
            ["endpoint", "update", "my_org.query_orders",
             "--mock-settings", str(sql_folder / "mock-settings.json"),
             "--private-settings", str(sql_folder / "private-settings.json")],
        ),
        Step("The data scientist queries the mock database.", ["run", "my_org.query_orders", "--kw", f"sql={sql}"], as_admin=False),
        Step("The admin queries the private database.", ["run", "my_org.query_orders", "--kw", f"sql={sql}"]),
        Step("Anything but one SELECT is refused.", ["run", "my_org.query_orders", "--mock", "--kw", "sql=SELECT 1; DROP TABLE orders"], as_admin=False, expect=1),
        Step("Every run is a job.", ["jobs", "list", "--limit", "5"]),
        Step("The admin deletes an endpoint.", ["endpoint", "delete", "my_org.sum_numbers", "--yes"]),
        Step("", ["endpoint", "list"]),
    ]


def _shown(step: Step) -> str:
    args = step.args
    if args and args[0] == sys.executable:
        words = ["python", *args[1:]]
    else:
        words = ["syftapi", *args]
    line = " ".join(shlex.quote(w) for w in words)
    return f"{line} {step.stdin_shown}" if step.stdin_shown else line


def _environment(folder: Path, token: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}
    env["SYFTAPI_HOME"] = str(folder / "datasite")
    env["SYFTAPI_CONFIG_DIR"] = str(folder / "config")
    if token:
        env["SYFTAPI_TOKEN"] = token
    return env


def _run(step: Step, folder: Path, token: str | None) -> subprocess.CompletedProcess:
    command = step.args if step.args[0] == sys.executable else [sys.executable, "-m", "syftapi_cli", *step.args]
    return subprocess.run(
        command,
        input=step.stdin,
        capture_output=True,
        text=True,
        env=_environment(folder, token),
        cwd=folder,
    )


def _print_step(step: Step, done: subprocess.CompletedProcess) -> None:
    who = "admin" if step.as_admin else "data scientist"
    if step.comment:
        print(f"\n# {step.comment}")
    print(f"[{who}] $ {_shown(step)}")
    for text in (done.stdout, done.stderr):
        if text.strip():
            print(text.rstrip())
    sys.stdout.flush()


def run_demo() -> int:
    """Run the walkthrough; return 0 if every step ended as expected."""
    with tempfile.TemporaryDirectory(prefix="syftapi-demo-") as temp:
        folder = Path(temp)
        init = Step(
            "The admin creates the datasite.",
            ["init", "--name", "demo", "--admin-email", ADMIN, "--password-stdin"],
            stdin=ADMIN_PASSWORD + "\n", stdin_shown="< admin-password.txt",
        )
        token_step = Step("Scripts authenticate with a token.", ["token", "create", "--name", "demo"])
        done = _run(init, folder, None)
        _print_step(init, done)
        if done.returncode != 0:
            print("demo failed: cannot create the datasite", file=sys.stderr)
            return 1
        done = _run(token_step, folder, None)
        if done.returncode != 0:
            print(f"demo failed: cannot create a token: {done.stderr}", file=sys.stderr)
            return 1
        token = done.stdout.strip()
        print(f"\n# {token_step.comment}")
        print("[admin] $ export SYFTAPI_TOKEN=$(syftapi token create --name demo)")
        for step in _steps(Path("sql")):
            done = _run(step, folder, token if step.as_admin else None)
            _print_step(step, done)
            if done.returncode != step.expect:
                print(
                    f"demo failed: expected exit {step.expect}, got {done.returncode}",
                    file=sys.stderr,
                )
                return 1
        print("\n# Done: the throwaway datasite is removed.")
    return 0

