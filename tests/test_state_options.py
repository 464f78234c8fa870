"""Endpoint state: the per-method lock and its opt-out."""

import json
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import run_syftapi

COUNTER = (
    "import syftapi_cli as sy\n"
    "@sy.api_endpoint(path='my_org.counter')\n"
    "def counter(context) -> int:\n"
    "    import time\n"
    "    count = context.state.get('count', 0)\n"
    "    time.sleep(0.2)\n"
    "    context.state['count'] = count + 1\n"
    "    return context.state['count']\n"
)


def add_counter(cli, tmp_path):
    module = tmp_path / "counter.py"
    module.write_text(COUNTER)
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr


def run_parallel(cli, runs: int) -> None:
    env = {"SYFTAPI_TOKEN": cli.tokens["admin"]}
    with ThreadPoolExecutor(runs) as pool:
        results = list(pool.map(lambda _: run_syftapi("run", "my_org.counter", env=env), range(runs)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]


def count(cli) -> int:
    shown = cli("state", "show", "my_org.counter", "--format", "json", role="admin")
    return json.loads(shown.stdout)["count"]


def test_state_lock_loses_no_update(cli, site, tmp_path):
    add_counter(cli, tmp_path)
    run_parallel(cli, 4)
    assert count(cli) == 4


def test_state_lock_opt_out_shown(cli, site, tmp_path):
    add_counter(cli, tmp_path)
    updated = cli("endpoint", "update", "my_org.counter", "--no-state-lock", role="admin")
    assert updated.exit_code == 0, updated.stderr
    view = json.loads(cli("endpoint", "show", "my_org.counter", "--format", "json", role="admin").stdout)
    assert view["state_lock"] is False


def test_unlocked_state_last_writer_wins(cli, site, tmp_path):
    add_counter(cli, tmp_path)
    cli("endpoint", "update", "my_org.counter", "--no-state-lock", role="admin")
    run_parallel(cli, 4)
    assert 1 <= count(cli) <= 4
