"""The sample endpoints: the SQL bridge over real SQLite files and the rate limiter."""

import json
import sqlite3

import pytest

from sample_endpoints.sql_bridge import check_query, create_databases
from tests.conftest import assert_one_line_error


@pytest.fixture
def sql_bridge(cli, site, tmp_path):
    """The SQL bridge registered with a mock and a private SQLite database."""
    created = create_databases(tmp_path / "sql")
    added = cli("endpoint", "add", "sample_endpoints.sql_bridge", role="admin")
    assert added.exit_code == 0, added.stderr
    updated = cli(
        "endpoint", "update", "my_org.query_orders",
        "--mock-settings", created["mock_settings"],
        "--private-settings", created["private_settings"],
        role="admin",
    )
    assert updated.exit_code == 0, updated.stderr
    return created


def query(cli, sql, role, *flags):
    return cli("run", "my_org.query_orders", *flags, "--kw", f"sql={sql}", "--format", "json", role=role)


def test_sql_mock_rows_for_scientist(cli, sql_bridge):
    result = query(cli, "SELECT amount FROM orders ORDER BY id", "data_scientist")
    assert result.exit_code == 0, result.stderr
    assert [row["amount"] for row in json.loads(result.stdout)] == [10.0, 20.0, 30.0, 40.0, 50.0]


def test_sql_private_rows_for_admin(cli, sql_bridge):
    result = query(cli, "SELECT region FROM orders WHERE region = 'west'", "admin")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"region": "west"}]


def test_sql_scientist_private_denied(cli, sql_bridge):
    result = query(cli, "SELECT * FROM orders", "data_scientist", "--private")
    assert_one_line_error(result, 3)


@pytest.mark.parametrize(
    "sql, message",
    [
        ("ATTACH DATABASE 'other.db' AS other", "only SELECT"),
        ("SELECT * FROM orders WHERE 1 = 1 AND 'attach' = 'x' OR 0; ATTACH 'x' AS y", "one statement"),
        ("PRAGMA table_info(orders)", "only SELECT"),
        ("SELECT 1; DROP TABLE orders", "one statement"),
        ("SELECT 1;SELECT 2", "one statement"),
        ("DELETE FROM orders", "only SELECT"),
        ("INSERT INTO orders (region, product, amount) VALUES ('x', 'y', 1)", "only SELECT"),
        ("UPDATE orders SET amount = 0", "only SELECT"),
        ("DROP TABLE orders", "only SELECT"),
        ("", "empty query"),
        ("SELECT * FROM pragma_table_info('orders')", "PRAGMA_TABLE_INFO is not allowed"),
    ],
)
def test_sql_refused_forms(cli, sql_bridge, sql, message):
    result = query(cli, sql, "admin", "--mock")
    assert result.exit_code == 1
    assert message in result.stderr


def test_sql_authorizer_denies_schema_functions(cli, sql_bridge):
    result = query(cli, "SELECT * FROM sqlite_master, pragma_database_list", "admin", "--mock")
    assert result.exit_code == 1
    assert "PRAGMA" in result.stderr or "not authorized" in result.stderr


def test_sql_databases_unchanged_after_refusals(cli, sql_bridge):
    query(cli, "DELETE FROM orders", "admin", "--private")
    query(cli, "SELECT 1; DELETE FROM orders", "admin", "--private")
    connection = sqlite3.connect(sql_bridge["private"])
    count = connection.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    connection.close()
    assert count == 7


def test_sql_limit_capped_by_settings(cli, sql_bridge, tmp_path):
    settings = json.loads(sql_bridge["mock_settings"].read_text())
    settings["max_rows"] = 2
    capped = tmp_path / "capped.json"
    capped.write_text(json.dumps(settings))
    updated = cli("endpoint", "update", "my_org.query_orders", "--mock-settings", capped, role="admin")
    assert updated.exit_code == 0, updated.stderr
    result = query(cli, "SELECT * FROM orders LIMIT 1000", "data_scientist")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2


def test_sql_without_database_setting(cli, site):
    cli("endpoint", "add", "sample_endpoints.sql_bridge", role="admin")
    result = query(cli, "SELECT 1", "admin", "--mock")
    assert result.exit_code == 1
    assert "no database is set" in result.stderr


def test_sql_database_path_secret_masked(cli, sql_bridge):
    shown = cli("endpoint", "show", "my_org.query_orders", "--format", "json", role="admin")
    view = json.loads(shown.stdout)
    assert view["private_settings"]["database"] == "***"


def test_check_query_keeps_trailing_semicolon_out():
    assert check_query("SELECT * FROM orders;  ") == "SELECT * FROM orders"


@pytest.fixture
def rate_limited(cli, site):
    added = cli("endpoint", "add", "sample_endpoints.rate_limited", role="admin")
    assert added.exit_code == 0, added.stderr


def add_numbers(cli, role):
    return cli("run", "my_org.rate_limited_sum", "--kw", "number_1=1", "--kw", "number_2=2", role=role)


def test_rate_limit_allows_three_calls(cli, rate_limited):
    outputs = [add_numbers(cli, "data_scientist").stdout for _ in range(3)]
    assert outputs == ["3\n", "3\n", "3\n"]


def test_rate_limit_refuses_fourth_call(cli, rate_limited):
    for _ in range(3):
        add_numbers(cli, "data_scientist")
    result = add_numbers(cli, "data_scientist")
    assert_one_line_error(result, 1)
    assert "rate limit reached" in result.stderr


def test_rate_limit_counts_per_user(cli, rate_limited):
    for _ in range(3):
        add_numbers(cli, "data_scientist")
    result = add_numbers(cli, "guest")
    assert result.exit_code == 0, result.stderr


def test_rate_limit_state_reset(cli, rate_limited):
    for _ in range(3):
        add_numbers(cli, "data_scientist")
    reset = cli("state", "reset", "my_org.rate_limited_sum", role="admin")
    assert reset.exit_code == 0, reset.stderr
    assert add_numbers(cli, "data_scientist").exit_code == 0


def test_rate_limit_state_shows_users(cli, rate_limited):
    add_numbers(cli, "data_scientist")
    shown = cli("state", "show", "my_org.rate_limited_sum", "--format", "json", role="admin")
    assert shown.exit_code == 0, shown.stderr
    assert list(json.loads(shown.stdout)["calls"]) == ["ds@example.org"]
