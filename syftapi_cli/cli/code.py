"""`syftapi code` and `syftapi requests`: submitting, reviewing and running user code."""

import json
from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.visible import visible
from syftapi_cli.cli.output import (
    iso_time,
    FormatOption,
    OutputFormat,
    YesOption,
    console,
    print_object,
    print_result,
    print_rows,
    spinner,
    stdout_is_terminal,
    write,
)

code_app = typer.Typer(help="Submit, list, show, run and withdraw user code.", no_args_is_help=True)
requests_app = typer.Typer(help="Review requests: list, show, approve, deny.", no_args_is_help=True)

CODE_COLUMNS = ["code", "version", "status", "inputs", "runs", "run_limit", "requested_by", "created_at"]
REQUEST_COLUMNS = ["id", "code", "requested_by", "status", "created_at"]



def _readable(row: dict) -> dict:
    return {**row, "created_at": iso_time(row["created_at"])}


@code_app.command("submit")
def submit(
    target: Annotated[str, typer.Argument(help="module:attr or path/to/file.py:attr.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Submit user code for approval; print the request id."""
    from syftapi_cli.services import targets, usercode
    from syftapi_cli.services.roles import require_member

    site, actor = core.login_context()
    require_member(actor, "submitting code")
    code = targets.load_user_code(target)
    request, created = usercode.submit(site, actor, code)
    if fmt is OutputFormat.json:
        write(json.dumps({"request_id": request["id"], "code": request["code"]}))
    elif fmt is OutputFormat.csv:
        print_rows([{"request_id": request["id"], "code": request["code"]}], ["request_id", "code"], fmt)
    else:
        write(request["id"])
    if created:
        core.note(f"submitted {request['code']!r} version {request['version']}; request {request['id']} is pending")
    else:
        core.note(f"{request['code']!r} is unchanged: request {request['id']} is {request['status']}")


@code_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List user code: your own, or everyone's for data owners."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    rows = [_readable(r) for r in usercode.list_code(site, actor)]
    print_rows(rows, CODE_COLUMNS, fmt)


def _render_detail(view: dict, fmt: OutputFormat) -> None:
    view = _readable(view)
    if fmt is not OutputFormat.table:
        print_object(view, fmt)
        return
    fields = ["id", "code", "version", "status", "requested_by", "created_at", "inputs", "runs", "run_limit"]
    if view.get("reviewed_by"):
        fields.append("reviewed_by")
    if view.get("reason"):
        fields.append("reason")
    width = max(len(f) for f in fields)
    lines = [f"{f.ljust(width)}  {'' if view[f] is None else view[f]}" for f in fields]
    for path, versions in view["input_versions"].items():
        current = "deleted" if versions["current"] is None else versions["current"]
        lines.append(
            f"endpoint {path}: code version {versions['submitted']} at submission, "
            f"{versions['approved'] or '-'} at approval, {current} now"
        )
    write("\n".join(lines))
    if stdout_is_terminal():
        from rich.syntax import Syntax

        console().print(Syntax(visible(view["source"].rstrip()), "python"))
    else:
        write("\n" + view["source"].rstrip())


@code_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The user code's name.")],
    user: Annotated[
        Optional[str], typer.Option("--user", help="Whose code (data owners only); default: yours.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show the newest version of your code NAME: status, inputs and source."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    _render_detail(usercode.show_code(site, actor, name, user), fmt)


@code_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The user code's name.")],
    kw: Annotated[
        Optional[list[str]], typer.Option("--kw", help="Keyword argument NAME=VALUE; repeat for more.")
    ] = None,
    kw_json: Annotated[
        Optional[str], typer.Option("--kw-json", help="JSON file with all keywords, or - for stdin.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run your approved code NAME against the private data."""
    from syftapi_cli.cli.run import read_kw_values
    from syftapi_cli.services import runs

    values = read_kw_values(kw or [], kw_json)
    site, actor = core.login_context()
    with spinner(f"running {name}"):
        result = runs.run_code(site, actor, name, values, fmt.value)
    if result.note:
        core.note(result.note)
    print_result(result.kind, result.payload)


@code_app.command("withdraw")
def withdraw(name: Annotated[str, typer.Argument(help="The user code's name.")]) -> None:
    """Take back the pending request of your code NAME."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    request = usercode.withdraw(site, actor, name)
    core.note(f"withdrew request {request['id']} for {name!r}")


@requests_app.command("list")
def requests_list(
    status: Annotated[
        Optional[str], typer.Option("--status", help="pending, approved, denied or withdrawn.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List requests, newest first: your own, or all for data owners."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    rows = [_readable(r) for r in usercode.list_requests(site, actor, status)]
    print_rows(rows, REQUEST_COLUMNS, fmt)


@requests_app.command("show")
def requests_show(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="The request's id.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a request: the submitted code, its inputs, who asked and when."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    request = usercode.get_request(site, actor, request_id)
    _render_detail(usercode.detail(site, request), fmt)


@requests_app.command("approve")
def approve(
    request_id: Annotated[
        Optional[str], typer.Argument(metavar="[ID]", help="The request's id; default: the newest pending.")
    ] = None,
    yes: YesOption = False,
) -> None:
    """Approve a request so that its code may run on the private data."""
    from syftapi_cli.services import usercode
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "approving requests")
    if request_id is None:
        request = usercode.newest_pending(site, actor)
    else:
        request = usercode.get_request(site, actor, request_id)
    if not yes and core.is_interactive():
        _render_detail(usercode.detail(site, request), OutputFormat.table)
    core.confirm(f"approve request {request['id']} ({request['code']!r} by {request['requested_by']})?", yes)
    usercode.approve(site, actor, request["id"])
    core.note(f"approved request {request['id']} ({request['code']!r} by {request['requested_by']})")


@requests_app.command("deny")
def deny(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="The request's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, shown to the submitter.")],
) -> None:
    """Deny a request with a reason."""
    from syftapi_cli.services import usercode

    site, actor = core.login_context()
    request = usercode.deny(site, actor, request_id, reason)
    core.note(f"denied request {request['id']} ({request['code']!r})")
