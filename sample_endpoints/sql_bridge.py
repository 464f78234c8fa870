"""An SQL bridge: a twin endpoint over a mock and a private SQLite database.

Each side's settings name its database file. The endpoint opens it read-only,
accepts one SELECT statement, refuses ATTACH, PRAGMA and anything but reads,
and caps the rows it returns. Create the two databases and their settings
files with:

    python -m sample_endpoints.sql_bridge FOLDER

then point the endpoint at them:

    syftapi endpoint update my_org.query_orders \\
        --mock-settings FOLDER/mock-settings.json \\
        --private-settings FOLDER/private-settings.json
"""

import json
import sqlite3
import sys
from pathlib import Path

import syftapi_cli as sy

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_MAX_ROWS = 100


def check_query(sql: str) -> str:
    """Return SQL without its trailing `;` if it is one plain SELECT, else raise."""
    import re

    query = sql.strip().rstrip(";").strip()
    if not query:
        raise ValueError("empty query; send one SELECT statement")
    if ";" in query:
        raise ValueError("only one statement is allowed; remove the ';' in the middle")
    if not re.match(r"select\b", query, re.IGNORECASE):
        raise ValueError("only SELECT statements are allowed")
    forbidden = re.search(r"\b(attach|detach|pragma\w*)\b", query, re.IGNORECASE)
    if forbidden:
        raise ValueError(f"{forbidden.group(1).upper()} is not allowed")
    return query


def run_select(database: str | None, query: str, max_rows: int):
    """Run QUERY on DATABASE opened read-only; return at most MAX_ROWS rows."""
    import pandas as pd

    if not database:
        raise ValueError(
            "no database is set; run 'syftapi endpoint update my_org.query_orders "
            "--mock-settings FILE --private-settings FILE'"
        )
    if not Path(database).is_file():
        raise FileNotFoundError(f"database file {database!r} does not exist")
    allowed = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}

    def authorize(action, *_):
        return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.set_authorizer(authorize)
        # The outer LIMIT caps rows whatever LIMIT the caller wrote.
        cursor = connection.execute(f"SELECT * FROM ({query}) LIMIT ?", (int(max_rows),))
        columns = [column[0] for column in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)
    finally:
        connection.close()


@sy.api_endpoint_method(
    settings={"database": None, "max_rows": DEFAULT_MAX_ROWS},
    helper_functions=[check_query, run_select],
)
def mock_query(context, sql: str):
    query = context.code.check_query(sql)
    return context.code.run_select(
        context.settings["database"], query, context.settings["max_rows"]
    )


@sy.api_endpoint_method(
    settings={"database": None, "max_rows": DEFAULT_MAX_ROWS},
    helper_functions=[check_query, run_select],
)
def private_query(context, sql: str):
    query = context.code.check_query(sql)
    return context.code.run_select(
        context.settings["database"], query, context.settings["max_rows"]
    )


query_orders = sy.TwinAPIEndpoint(
    path="my_org.query_orders",
    description=(
        "Run one read-only `SELECT` on the `orders` table "
        "(columns `id`, `region`, `product`, `amount`). "
        "At most `max_rows` rows come back."
    ),
    mock_function=mock_query,
    private_function=private_query,
    endpoint_timeout=30,
)


def create_databases(folder: Path) -> dict[str, Path]:
    """Build mock.sqlite3 and private.sqlite3 in FOLDER with a settings file each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for side in ("mock", "private"):
        database = folder / f"{side}.sqlite3"
        database.unlink(missing_ok=True)
        connection = sqlite3.connect(database)
        try:
            connection.executescript((DATA / f"{side}.sql").read_text())
            connection.commit()
        finally:
            connection.close()
        settings = {"database": str(database.resolve()), "max_rows": DEFAULT_MAX_ROWS}
        settings_file = folder / f"{side}-settings.json"
        settings_file.write_text(json.dumps(settings, indent=2) + "\n")
        paths[side] = database
        paths[f"{side}_settings"] = settings_file
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m sample_endpoints.sql_bridge FOLDER")
    created = create_databases(Path(sys.argv[1]))
    for name, path in created.items():
        print(f"{name}: {path}")
