"""`syftapi endpoint` and `syftapi state`: the endpoint registry and endpoint state."""

import json
from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.visible import visible
from syftapi_cli.cli.output import (
    FormatOption,
    OutputFormat,
    YesOption,
    console,
    print_object,
    print_result,
    print_rows,
    stdout_is_terminal,
    write,
)
from syftapi_cli.errors import UsageError

endpoint_app = typer.Typer(help="Add, update, delete, list and show endpoints.", no_args_is_help=True)
state_app = typer.Typer(help="Inspect and reset endpoint state.", no_args_is_help=True)

LIST_COLUMNS = [
    "path",
    "signature",
    "access",
    "mock_function",
    "private_function",
    "worker_pool",
    "timeout",
]


@endpoint_app.command("add")
def add(
    target: Annotated[
        str,
        typer.Argument(
            help="package.module:attr, path/to/file.py:attr, or a bare module or "
            "file to add every endpoint it defines."
        ),
    ],
) -> None:
    """Register the endpoints that TARGET defines."""
    from syftapi_cli.services import endpoints, targets
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "adding endpoints")
    found, module = targets.load_endpoints(target)
    for path in endpoints.add(site, actor, found, module):
        core.note(f"added endpoint {path}")


def _read_settings(source: str | None, option: str) -> dict | None:
    if source is None:
        return None
    text = core.read_text_input(source, option)
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise UsageError(f"invalid JSON in {option} {source!r}: {error}") from None
    if not isinstance(settings, dict):
        raise UsageError(f"{option} {source!r} must hold a JSON object")
    return settings


@endpoint_app.command("update")
def update(
    path: Annotated[str, typer.Argument(help="The endpoint's path.")],
    mock: Annotated[
        Optional[str], typer.Option("--mock", help="New mock (or public) function: module:attr.")
    ] = None,
    private: Annotated[
        Optional[str], typer.Option("--private", help="New private function: module:attr.")
    ] = None,
    hide_mock_definition: Annotated[
        Optional[bool],
        typer.Option(
            "--hide-mock-definition/--show-mock-definition",
            help="Hide or show the mock code from users without data owner rights.",
        ),
    ] = None,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", help="Run timeout in seconds.")
    ] = None,
    description: Annotated[
        Optional[str], typer.Option("--description", help="New description (Markdown).")
    ] = None,
    mock_settings: Annotated[
        Optional[str],
        typer.Option("--mock-settings", help="JSON file with the mock settings, or - for stdin."),
    ] = None,
    private_settings: Annotated[
        Optional[str],
        typer.Option(
            "--private-settings", help="JSON file with the private settings, or - for stdin."
        ),
    ] = None,
    worker_pool: Annotated[
        Optional[str], typer.Option("--worker-pool", help="Worker pool to run in.")
    ] = None,
    state_lock: Annotated[
        Optional[bool],
        typer.Option(
            "--state-lock/--no-state-lock",
            help="Serialise runs that share this endpoint's state (default), or let "
            "concurrent runs overwrite each other's state (last writer wins).",
        ),
    ] = None,
    memory_limit: Annotated[
        Optional[int],
        typer.Option("--memory-limit", help="Worker address-space limit in MB (default 4096)."),
    ] = None,
) -> None:
    """Change an endpoint's code, visibility, timeout, description, settings or pool."""
    from syftapi_cli.services import endpoints, targets
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "updating endpoints")
    endpoints.get_record(site, path)
    if mock_settings == "-" and private_settings == "-":
        raise UsageError("only one of --mock-settings and --private-settings can read stdin")
    changes = {
        "mock": targets.load_method(mock, "mock") if mock else None,
        "private": targets.load_method(private, "private") if private else None,
        "hide_mock_definition": hide_mock_definition,
        "timeout": timeout,
        "description": description,
        "mock_settings": _read_settings(mock_settings, "--mock-settings"),
        "private_settings": _read_settings(private_settings, "--private-settings"),
        "worker_pool": worker_pool,
        "memory_limit_mb": memory_limit,
        "state_lock": state_lock,
    }
    if all(value is None for value in changes.values()):
        raise UsageError("nothing to update; see 'syftapi endpoint update --help'")
    endpoints.update(site, actor, path, **changes)
    core.note(f"updated endpoint {path}")


@endpoint_app.command("delete")
def delete(
    path: Annotated[str, typer.Argument(help="The endpoint's path.")],
    yes: YesOption = False,
) -> None:
    """Delete an endpoint, its code and its state."""
    from syftapi_cli.services import endpoints
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "deleting endpoints")
    endpoints.get_record(site, path)
    core.confirm(f"delete endpoint {path}?", yes)
    endpoints.delete(site, actor, path)
    core.note(f"deleted endpoint {path}")


@endpoint_app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List endpoints with their signature, access, functions, pool and timeout."""
    from syftapi_cli.services import endpoints

    site, actor = core.login_context()
    rows = endpoints.list_endpoints(site, actor)
    columns = LIST_COLUMNS if fmt is not OutputFormat.json else None
    if columns is None:
        print_rows(rows, list(rows[0]) if rows else [], fmt)
    else:
        print_rows(rows, columns, fmt)


@endpoint_app.command("show")
def show(
    path: Annotated[str, typer.Argument(help="The endpoint's path.")],
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Show settings values (data owners only).")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show an endpoint's description, signature and the code you may see."""
    from syftapi_cli.services import endpoints

    site, actor = core.login_context()
    view = endpoints.show(site, actor, path, show_secrets)
    if fmt is OutputFormat.table:
        _render_view(view)
    else:
        print_object(view, fmt)


def _code_blocks(view: dict) -> list[tuple[str, str | None, list | None]]:
    public = view["access"] == "public"
    blocks = [
        (
            f"{'Function' if public else 'Mock code'} ({view['mock_function']})",
            view["mock_code"],
            view["mock_helpers"],
        )
    ]
    if not public:
        blocks.append(
            (f"Private code ({view['private_function']})", view["private_code"], view["private_helpers"])
        )
    return blocks


def _hidden_reason(view: dict, title: str) -> str:
    if title.startswith("Private"):
        return "hidden: only admins and data owners see private code"
    if view["hide_mock_definition"]:
        return "hidden by the endpoint's owner"
    return "source not available"


def _render_view(view: dict) -> None:
    header = (
        f"{view['path']}{view['signature']}  [{view['access']}, pool "
        f"{view['worker_pool']}, timeout {view['timeout']:g} s]"
    )
    settings = [
        (label, view.get(key))
        for label, key in (("Mock settings", "mock_settings"), ("Private settings", "private_settings"))
        if view.get(key) is not None
    ]
    if not stdout_is_terminal():
        lines = [header, ""]
        if view["description"]:
            lines += [view["description"].rstrip(), ""]
        for title, code, helpers in _code_blocks(view):
            lines.append(f"{title}:")
            lines.append(code.rstrip() if code else f"  ({_hidden_reason(view, title)})")
            for helper in helpers or []:
                lines += [f"helper {helper['name']}:", (helper["source"] or "").rstrip()]
            lines.append("")
        for label, values in settings:
            lines.append(f"{label}: {json.dumps(values)}")
        write("\n".join(lines).rstrip())
        return
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    out = console()
    out.print(Text(header, style="bold"))
    if view["description"]:
        out.print(Markdown(visible(view["description"])))
    for title, code, helpers in _code_blocks(view):
        if code:
            body = Syntax(visible(code.rstrip()), "python", line_numbers=False)
        else:
            body = Text(_hidden_reason(view, title), style="dim")
        out.print(Panel(body, title=Text(title), title_align="left"))
        for helper in helpers or []:
            out.print(
                Panel(
                    Syntax(visible((helper["source"] or "").rstrip()), "python"),
                    title=Text(f"helper {helper['name']}"),
                    title_align="left",
                )
            )
    for label, values in settings:
        out.print(Text(f"{label}: {json.dumps(values)}"))


def _side(mock: bool, private: bool, public_default: str | None = None) -> str | None:
    if mock and private:
        raise UsageError("choose one of --mock and --private")
    return "mock" if mock else "private" if private else public_default


def _state_side(site, path: str, mock: bool, private: bool) -> str:
    from syftapi_cli.services import endpoints

    record = endpoints.get_record(site, path)
    side = _side(mock, private)
    if record["private"] is None:
        if side == "private":
            raise UsageError(f"{path!r} is a public endpoint and has no private side")
        return "public"
    return side or "private"


MockFlag = Annotated[bool, typer.Option("--mock", help="The mock side's state.")]
PrivateFlag = Annotated[bool, typer.Option("--private", help="The private side's state (default).")]


@state_app.command("show")
def state_show(
    path: Annotated[str, typer.Argument(help="The endpoint's path.")],
    mock: MockFlag = False,
    private: PrivateFlag = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show an endpoint's persistent state (admins and data owners)."""
    from syftapi_cli.services import pools, runs
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "showing endpoint state")
    side = _state_side(site, path, mock, private)
    name = f"{path}.{side}"
    if site.read_blob("state", name) is None:
        core.note(f"{path} ({side}) has no state yet")
        payload = {"json": b"{}\n", "csv": b"key,value\n", "table": b'{"type": "text", "text": "{}"}'}[fmt.value]
    else:
        record = site.read("endpoints", path)
        python = pools.interpreter(site, record["worker_pool"])
        payload = runs.render_stored(site, "state", name, f"state of {path} ({side})", fmt.value, python)
    print_result(fmt.value, payload)


@state_app.command("reset")
def state_reset(
    path: Annotated[str, typer.Argument(help="The endpoint's path.")],
    mock: MockFlag = False,
    private: PrivateFlag = False,
) -> None:
    """Clear an endpoint's persistent state (admins and data owners)."""
    from syftapi_cli.services.roles import require_owner

    site, actor = core.login_context()
    require_owner(actor, "resetting endpoint state")
    side = _state_side(site, path, mock, private)
    from syftapi_cli.store.files import file_lock

    with file_lock(site.state_lock_path(path, side)):
        site.delete_blob("state", f"{path}.{side}")
    core.note(f"state of {path} ({side}) reset")
