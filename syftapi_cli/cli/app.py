"""The `syftapi` root command: global options and the command groups."""

from typing import Annotated, Optional

import typer

from syftapi_cli import __version__
from syftapi_cli.errors import UsageError
from syftapi_cli.cli import admin, code, core, endpoints, jobs, pools, run, session, tokens, users

HELP = """PySyft-style custom API endpoints on one machine.

Data owners register public and twin (mock + private) endpoints; everyone runs
them with the rights of their role.

\b
Exit codes:
  0  success
  1  the endpoint or user code raised an error, or the run timed out
  2  usage error or invalid input
  3  not logged in, wrong credentials, or permission denied
  4  not found (endpoint, user, request, job, pool, datasite)
  5  user code not runnable yet: pending approval, or denied
  6  the datasite is damaged, incompatible or unsafe
"""

app = typer.Typer(
    cls=core.SyftapiGroup,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        print(f"syftapi {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    state_dir: Annotated[
        Optional[str],
        typer.Option(
            "--state-dir",
            help="Datasite folder; default: SYFTAPI_HOME, else the user data folder.",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also SYFTAPI_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    if state_dir is not None and not state_dir.strip():
        raise UsageError("invalid --state-dir '': name a folder")
    core.options.state_dir = state_dir
    core.options.debug = debug


app.command("init")(session.init)
app.command("login")(session.login)
app.command("logout")(session.logout)
app.command("whoami")(session.whoami)
app.command("run")(run.run)
app.command("doctor")(admin.doctor)
app.command("audit")(admin.audit)
app.add_typer(tokens.tokens_app, name="token")
app.add_typer(users.users_app, name="users")
app.add_typer(users.account_app, name="account")
app.add_typer(endpoints.endpoint_app, name="endpoint")
app.add_typer(endpoints.state_app, name="state")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(code.code_app, name="code")
app.add_typer(code.requests_app, name="requests")
app.add_typer(pools.pools_app, name="pool")


@app.command("demo")
def demo() -> None:
    """Run the reference walkthrough in a throwaway datasite."""
    from syftapi_cli.cli.demo import run_demo

    raise typer.Exit(run_demo())


def main() -> None:
    app()
