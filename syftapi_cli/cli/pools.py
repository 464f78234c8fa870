"""`syftapi pool`: named Python interpreters for endpoints."""

from typing import Annotated

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import FormatOption, OutputFormat, YesOption, print_rows

pools_app = typer.Typer(help="Register, list and delete worker pools.", no_args_is_help=True)


@pools_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The pool's name.")],
    python: Annotated[str, typer.Option("--python", help="Path of the interpreter, e.g. venv/bin/python.")],
) -> None:
    """Register an existing interpreter that has syftapi installed."""
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    record = pools.add(site, actor, name, python)
    core.note(f"added worker pool {name!r} (Python {record['version']})")


@pools_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List worker pools and the endpoints that use each."""
    from syftapi_cli.services import pools

    site, actor = core.login_context()
    print_rows(pools.list_pools(site, actor), ["name", "python", "version", "endpoints"], fmt)


@pools_app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="The pool's name.")],
    force: Annotated[bool, typer.Option("--force", help="Delete even if endpoints use it.")] = False,
    yes: YesOption = False,
) -> None:
    """Delete a worker pool; refused while endpoints use it unless --force."""
    from syftapi_cli.services import pools
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "managing worker pools")
    core.confirm(f"delete worker pool {name!r}?", yes)
    pools.delete(site, actor, name, force)
    core.note(f"deleted worker pool {name!r}")
