"""`syftapi doctor` and `syftapi audit`: checking a datasite and reading its audit log."""

from typing import Annotated

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import FormatOption, OutputFormat, iso_time, print_rows
from syftapi_cli.errors import DamagedState


def doctor(
    fix: Annotated[bool, typer.Option("--fix", help="Repair what can be repaired safely.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Check records, signatures, orphaned blobs, temporary files and dead jobs (admins).

    Exits 0 when nothing is left to repair, else 6. Corrupt records and blobs
    with bad signatures are reported, never deleted.
    """
    from syftapi_cli.services import doctor as checks

    site, actor = core.login_context()
    problems = checks.check(site, actor, fix)
    print_rows([p.as_dict() for p in problems], ["kind", "path", "message", "fixed"], fmt)
    open_problems = [p for p in problems if not p.fixed]
    if open_problems:
        hint = "" if fix else "; run 'syftapi doctor --fix' to repair what can be repaired"
        raise DamagedState(f"{len(open_problems)} problem(s) found in '{site.root}'{hint}")
    core.note(f"datasite '{site.root}' is healthy" + (f" ({len(problems)} repaired)" if problems else ""))


def audit(
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many newest entries.")] = 100,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show the audit log: changes, approvals, refused permissions, failed logins (admins)."""
    from syftapi_cli.services import audit as log

    site, actor = core.login_context()
    rows = [{**entry, "at": iso_time(entry["at"])} for entry in log.entries(site, actor, limit)]
    print_rows(rows, ["at", "actor", "action", "target", "outcome"], fmt)
