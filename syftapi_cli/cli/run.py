"""`syftapi run`: run an endpoint with keyword arguments."""

from typing import Annotated, Optional

import typer

from syftapi_cli.cli import core
from syftapi_cli.cli.output import FormatOption, OutputFormat, print_result, spinner
from syftapi_cli.errors import UsageError


def read_kw_values(kw: list[str], kw_json: str | None) -> dict:
    """Merge --kw NAME=VALUE options and a --kw-json object; --kw wins on a clash."""
    from syftapi_cli.services.kwargs import parse_kw_json, parse_kw_options

    values = {}
    if kw_json is not None:
        text = core.read_text_input(kw_json, "--kw-json")
        values.update(parse_kw_json(text, repr(kw_json)))
    values.update(parse_kw_options(kw))
    return values


def run(
    path: Annotated[str, typer.Argument(help="The endpoint's path, like my_org.sum_numbers.")],
    mock: Annotated[bool, typer.Option("--mock", help="Run the mock side of a twin.")] = False,
    private: Annotated[
        bool, typer.Option("--private", help="Run the private side (data owners only).")
    ] = False,
    kw: Annotated[
        Optional[list[str]],
        typer.Option("--kw", help="Keyword argument NAME=VALUE; repeat for more."),
    ] = None,
    kw_json: Annotated[
        Optional[str],
        typer.Option("--kw-json", help="JSON file holding all keywords as an object, or - for stdin."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run an endpoint and print its result.

    Without --mock or --private, admins and data owners run a twin's private
    side and everyone else its mock.
    """
    from syftapi_cli.services import runs

    if mock and private:
        raise UsageError("choose one of --mock and --private")
    site, actor = core.login_context()
    values = _with_signature(site, path, lambda: read_kw_values(kw or [], kw_json))
    side = "mock" if mock else "private" if private else None
    with spinner(f"running {path}"):
        result = runs.run_endpoint(site, actor, path, side, values, fmt.value)
    print_result(result.kind, result.payload)


def _with_signature(site, path: str, parse):
    """Run PARSE; add the endpoint's signature to a malformed --kw message."""
    try:
        return parse()
    except UsageError as error:
        from syftapi_cli.definitions import format_signature
        from syftapi_cli.services import endpoints

        try:
            record = endpoints.get_record(site, path)
        except Exception:
            raise error from None
        signature = format_signature(record["parameters"])
        raise UsageError(f"{error}; signature: {path}{signature}") from None
