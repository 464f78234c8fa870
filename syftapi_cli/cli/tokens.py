"""`syftapi token`: API tokens for scripts (`SYFTAPI_TOKEN`)."""

import json
from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import (
    FormatOption,
    OutputFormat,
    YesOption,
    iso_time,
    print_rows,
    write,
)

tokens_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@tokens_app.command("create")
def create(
    name: Annotated[Optional[str], typer.Option("--name", help="A name to find the token by.")] = None,
    expires_in: Annotated[
        Optional[float], typer.Option("--expires-in", help="Lifetime in days; none by default.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Print a new API token for your user; it is shown only once."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    token, record = auth.create_token(site, actor, name, expires_in)
    if fmt is OutputFormat.json:
        write(json.dumps({"name": record["name"], "token": token}))
    else:
        write(token)
    core.note(f"token {record['name']!r} created; set SYFTAPI_TOKEN to use it")


@tokens_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List your API tokens (never their values)."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    rows = auth.list_tokens(site, actor)
    for row in rows:
        for key in ("created_at", "expires_at"):
            row[key] = iso_time(row[key])
    print_rows(rows, ["name", "created_at", "expires_at"], fmt)


@tokens_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    yes: YesOption = False,
) -> None:
    """Revoke one of your API tokens."""
    from syftapi_cli.services import auth

    site, actor = core.login_context()
    core.confirm(f"revoke token {name!r}?", yes)
    auth.revoke_token(site, actor, name)
    core.note(f"token {name!r} revoked")

