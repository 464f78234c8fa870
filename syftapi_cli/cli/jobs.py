"""`syftapi jobs`: past runs, their logs and results."""

import json
from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.errors import SyftapiError
from syftapi_cli.cli.output import (
    iso_time,
    FormatOption,
    OutputFormat,
    YesOption,
    print_result,
    print_rows,
    write,
)

jobs_app = typer.Typer(help="List, show and prune jobs.", no_args_is_help=True)
PRIVATE_LOGS_NOTE = "(logs of the private side are kept for the data owners)"
COLUMNS = ["id", "endpoint", "code", "user", "side", "status", "started_at", "duration_s"]



def _readable(job: dict) -> dict:
    return {**job, "started_at": iso_time(job["started_at"])}


@jobs_app.command("list")
def list_(
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help="Only this endpoint path.")] = None,
    status: Annotated[
        Optional[str],
        typer.Option("--status", help="queued, running, completed, errored or timed_out."),
    ] = None,
    user: Annotated[Optional[str], typer.Option("--user", help="Only this user's jobs.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many jobs.")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many of the newest.")] = 0,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List jobs, newest first: your own, or everyone's for data owners."""
    from syftapi_cli.services import jobs

    site, actor = core.login_context()
    rows = jobs.list_jobs(site, actor, endpoint, status, user, limit, offset)
    print_rows([_readable(r) for r in rows], COLUMNS, fmt)


@jobs_app.command("show")
def show(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="The job's id.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a job's status, duration, logs, error and result."""
    from syftapi_cli.services import jobs, runs

    site, actor = core.login_context()
    job = jobs.get(site, actor, job_id)
    # A private-side job belongs to a scientist only as an input of their
    # approved code; its logs and result are the data owner's, not theirs.
    private_hidden = job["side"] == "private" and job["endpoint"] and not actor.is_owner
    logs = PRIVATE_LOGS_NOTE if private_hidden else jobs.read_logs(site, job["id"])
    error = job["error"]
    if error and not actor.is_owner:
        error = {k: v for k, v in error.items() if k != "traceback"}
        if job["side"] == "private":
            error = {"type": error["type"], "message": "details are kept for the data owners"}
    result_payload = result_error = None
    if job["result_stored"] and not private_hidden:
        what = f"result of job {job['id']}"
        render_format = "json" if fmt is OutputFormat.json else "table"
        try:
            result_payload = runs.render_stored(site, "results", job["id"], what, render_format)
        except SyftapiError as failure:
            # The job's status and logs still show when its result cannot be loaded.
            result_error = str(failure)
    if fmt is OutputFormat.json:
        record = {**_readable(jobs.summary(job)), "logs": logs, "error": error}
        if result_payload is not None:
            record["result"] = json.loads(bytes(result_payload))
        if result_error is not None:
            record["result_error"] = result_error
        write(json.dumps(record, ensure_ascii=False))
        return
    summary = _readable(jobs.summary(job))
    if fmt is OutputFormat.csv:
        print_rows([{**summary, "logs": logs, "error": json.dumps(error) if error else None}], [*COLUMNS, "logs", "error"], fmt)
        return
    width = max(len(k) for k in summary)
    write("\n".join(f"{k.ljust(width)}  {'' if v is None else v}" for k, v in summary.items()))
    if error:
        write(f"\nerror: {error['type']}: {error['message']}")
        if error.get("traceback"):
            write(error["traceback"].rstrip())
    write("\nlogs:" + ("\n" + logs.rstrip() if logs.strip() else " (none)"))
    if result_payload is not None:
        write("\nresult:")
        print_result("table", result_payload)
    if result_error is not None:
        write(f"\nresult: not shown, {result_error}")


@jobs_app.command("prune")
def prune(
    older_than: Annotated[float, typer.Option("--older-than", help="Age in days.")],
    yes: YesOption = False,
) -> None:
    """Delete finished jobs older than --older-than days, with logs and results."""
    from syftapi_cli.services import jobs
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "pruning jobs")
    core.confirm(f"delete jobs older than {older_than:g} days?", yes)
    removed = jobs.prune(site, actor, older_than)
    core.note(f"pruned {removed} job(s)")
