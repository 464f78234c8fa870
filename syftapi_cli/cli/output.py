"""Output: one `--format` option, data on stdout, plain text off a terminal.

JSON and CSV never carry colour codes. Tables use Rich on a terminal and plain
aligned text elsewhere, so that pipes and CI logs do not import Rich. Text from
users is never parsed as Rich markup.
"""

import contextlib
import csv
import enum
import json
import os
import sys
import threading
from typing import Annotated, Iterator

import typer

from syftapi_cli.cli.visible import visible


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format: table, json or csv."),
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Confirm without a prompt (needed off a terminal).")
]


def iso_time(timestamp: float | None) -> str | None:
    """Return a Unix timestamp as ISO 8601 in UTC, to the second."""
    if timestamp is None:
        return None
    import datetime

    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, markup=False, highlight=False, emoji=False)


def write(text: str) -> None:
    text = visible(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def write_bytes(data: bytes | memoryview) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    if len(data) and bytes(data[-1:]) != b"\n":
        sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()


def _cell(value: object, exact: bool = False) -> str:
    """Format VALUE for a table cell; EXACT keeps every digit of a float, for CSV."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if exact else f"{value:g}"
    if isinstance(value, (list, dict)):
        return ", ".join(map(str, value)) if isinstance(value, list) else json.dumps(value)
    return str(value)


def plain_table(columns: list[str], blocks: list[list[list[str]]]) -> str:
    """Return rows as aligned plain text; `...` separates blocks (head and tail)."""
    rows = [row for block in blocks for row in block]
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    for index, block in enumerate(blocks):
        if index:
            lines.append("...")
        for row in block:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"


def rich_table(columns: list[str], blocks: list[list[list[str]]], caption: str | None = None):
    from rich.table import Table
    from rich.text import Text

    table = Table(caption=caption, show_lines=False)
    for column in columns:
        table.add_column(Text(visible(column)), overflow="fold")
    for index, block in enumerate(blocks):
        if index:
            table.add_row(*(Text("…") for _ in columns))
        for row in block:
            table.add_row(*(Text(visible(cell)) for cell in row))
    return table


def print_table(columns: list[str], blocks, caption: str | None = None) -> None:
    if stdout_is_terminal():
        console().print(rich_table(columns, blocks, caption))
    else:
        write(plain_table(columns, blocks))
        if caption:
            write(caption)


def print_rows(rows: list[dict], columns: list[str], fmt: OutputFormat) -> None:
    """Print records as a table, a JSON list of objects, or CSV."""
    if fmt is OutputFormat.json:
        write(json.dumps(rows, ensure_ascii=False))
        return
    if fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([visible(c) for c in columns])
        for row in rows:
            writer.writerow([visible(_cell(row.get(c), exact=True)) for c in columns])
        return
    print_table(columns, [[[_cell(row.get(c)) for c in columns] for row in rows]])


def print_object(record: dict, fmt: OutputFormat) -> None:
    """Print one record: key-value lines, a JSON object, or a one-row CSV."""
    if fmt is OutputFormat.json:
        write(json.dumps(record, ensure_ascii=False))
    elif fmt is OutputFormat.csv:
        print_rows([record], list(record), fmt)
    else:
        width = max((len(k) for k in record), default=0)
        write("\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in record.items()))


def print_result(kind: str, payload: bytes) -> None:
    """Print a result the worker encoded as `json`, `csv` or `table`."""
    if kind != "table":
        write_bytes(payload)
        return
    description = json.loads(bytes(payload))
    if description["type"] == "text":
        write(description["text"])
        return
    total = description["total_rows"]
    shown = sum(len(block) for block in description["blocks"])
    rows = "1 row" if total == 1 else f"{total} rows"
    caption = rows if shown == total else f"{rows} (first and last {shown // 2} shown)"
    print_table(description["columns"], description["blocks"], caption)


@contextlib.contextmanager
def spinner(message: str, delay_s: float = 1.0) -> Iterator[None]:
    """Show a spinner on stderr if the block runs past DELAY_S, on a terminal only."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield
        return
    status = {}
    lock = threading.Lock()

    def start() -> None:
        with lock:
            if "done" in status:
                return
            status["spinner"] = console(stderr=True).status(message)
            status["spinner"].start()

    timer = threading.Timer(delay_s, start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            status["done"] = True
            if "spinner" in status:
                status["spinner"].stop()
