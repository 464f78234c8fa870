"""`syftapi pool`: named Python interpreters that endpoints run in."""

import contextlib
import datetime
import os
import sys
from typing import Annotated, Iterator, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import (
    FormatOption,
    OutputFormat,
    YesOption,
    console,
    print_object,
    print_rows,
    write,
)

pools_app = typer.Typer(
    help=(
        "Add, create, list, show and delete worker pools: Python interpreters "
        "that endpoints run in, so that they can use third-party packages. "
        "Every pool runs the Python minor version that syftapi runs on."
    ),
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="The pool's name.")]
LIST_COLUMNS = ["name", "kind", "python", "version", "status", "endpoints"]
PACKAGE_COLUMNS = ["name", "version", "location"]


@pools_app.command("add")
def add(
    name: NameArgument,
    python: Annotated[
        str,
        typer.Option(
            "--python",
            help="The interpreter: a path such as venv/bin/python, or a command on PATH.",
        ),
    ],
) -> None:
    """Register an existing interpreter that can run the syftapi worker.

    It must run syftapi's Python minor version and import cloudpickle.
    """
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    record = pools.add(site, actor, name, python)
    for note in record["notes"]:
        core.note(f"warning: {note}")
    core.note(f"added worker pool {name!r}: {record['python']} (Python {record['version']})")


@contextlib.contextmanager
def _progress_reporter() -> Iterator:
    """Yield a progress callback: a Rich status on a terminal, plain lines elsewhere."""
    if not sys.stderr.isatty() or os.environ.get("CI"):

        def plain(message: str, detail: bool = False) -> None:
            core.note(f"  {message}" if detail else message)

        yield plain
        return
    err = console(stderr=True)
    status = err.status("creating the worker pool")
    status.start()

    def live(message: str, detail: bool = False) -> None:
        if not detail:
            err.print(message)
        status.update(message)

    try:
        yield live
    finally:
        status.stop()


@pools_app.command("create")
def create(
    name: NameArgument,
    requirements: Annotated[
        Optional[str],
        typer.Option(
            "--requirements", "-r", help="A pip requirements file to install into the pool."
        ),
    ] = None,
    python: Annotated[
        Optional[str],
        typer.Option(
            "--python",
            help="The base interpreter for the virtual environment (default: the one running syftapi).",
        ),
    ] = None,
    no_build_isolation: Annotated[
        bool,
        typer.Option(
            "--no-build-isolation",
            help="Pass --no-build-isolation to pip, which then builds packages with the build tools it finds instead of downloading them.",
        ),
    ] = False,
) -> None:
    """Build a virtual environment for a pool inside the datasite.

    The environment reaches syftapi's own packages, and its own packages come
    first. The requirements are installed with pip. A failed build is removed.
    """
    from syftapi_cli.services import pool_environments

    site, actor = core.login_context()
    with _progress_reporter() as progress:
        record = pool_environments.create(
            site, actor, name, requirements, python, no_build_isolation, progress
        )
    for note in record["notes"]:
        core.note(f"warning: {note}")
    core.note(
        f"created worker pool {name!r} (Python {record['version']}) at "
        f"{site.root / record['environment']}"
    )


@pools_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List worker pools with their interpreter, Python version and endpoints."""
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    print_rows(pools.list_pools(site, actor), LIST_COLUMNS, fmt)


def _readable(details: dict) -> dict:
    readable = {k: v for k, v in details.items() if k not in ("packages", "requirements")}
    if readable.get("created_at") is not None:
        moment = datetime.datetime.fromtimestamp(readable["created_at"])
        readable["created_at"] = moment.isoformat(sep=" ", timespec="seconds")
    return readable


@pools_app.command("show")
def show(
    name: NameArgument,
    all_packages: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also list packages the pool reaches outside its own prefix, such as syftapi's.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a worker pool's details and installed packages.

    CSV output lists the packages only.
    """
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    details = pools.show(site, actor, name, all_packages)
    packages = details["packages"]
    if packages is None:
        core.note(f"warning: the interpreter of {name!r} is missing, so its packages are unknown")
    if fmt is OutputFormat.json:
        print_object(details, fmt)
        return
    rows = [
        {**p, "location": "pool" if p["in_pool"] else p["location"]} for p in packages or []
    ]
    if fmt is OutputFormat.csv:
        print_rows(rows, PACKAGE_COLUMNS, fmt)
        return
    print_object(_readable(details), fmt)
    if details.get("requirements"):
        write("\nrequirements:\n" + details["requirements"].rstrip())
    if packages is not None:
        write(f"\npackages ({len(rows)}):")
        print_rows(rows, PACKAGE_COLUMNS, fmt)


@pools_app.command("delete")
def delete(
    name: NameArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Delete even if endpoints use the pool.")
    ] = False,
    yes: YesOption = False,
) -> None:
    """Delete a worker pool and the environment `pool create` built for it.

    A pool that endpoints use is kept unless --force. With --force, those
    endpoints fail to run until they move to another pool.
    """
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    pools.get(site, actor, name)
    core.confirm(f"delete worker pool {name!r}?", yes)
    stranded = pools.delete(site, actor, name, force)
    if stranded:
        core.note(
            f"warning: endpoints {', '.join(stranded)} still name pool {name!r} and "
            "fail to run until moved with 'syftapi endpoint update PATH --worker-pool NAME'"
        )
    core.note(f"deleted worker pool {name!r}")
