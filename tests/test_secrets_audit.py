"""Secrets and the audit log: nested settings values, redaction, audit entries, file modes."""

import base64
import datetime
import json
import shutil
import stat
import time

import pytest

from tests.conftest import (
    EMAILS,
    PASSWORDS,
    Invoker,
    assert_one_line_error,
    isolate,
    populate,
    run_syftapi,
    tree_digest,
)

TWIN = "vault.twin"
PUBLIC = "vault.public"
FORMATS = ("json", "table", "csv")
MEMBERS = ("data_scientist", "guest")
OWNERS = ("admin", "data_owner")

# Values of at least 4 characters at any depth count as secrets. The short
# value and the number stay visible in logs, so redaction is not a blanket rule.
MOCK_SETTINGS = {
    "api_key": "mock-key-3141",
    "database": {"hosts": ["mock-host-alpha", "mock-host-beta"], "port": 5432, "user": 'mock"user'},
    "short": "Q7z",
}
PRIVATE_SETTINGS = {
    "api_key": 'priv"key\\2718',
    "database": {"password": "pässwort-privé", "replicas": [{"token": "replica-token-1618"}]},
    "edge": "wxyz",
}
PUBLIC_SETTINGS = {"service": {"endpoints": [["public-url-secret-9"]]}}
SHORT_VALUE = "Q7z"

# Settings that `endpoint update` installs later.
NEW_PRIVATE_SETTINGS = {"api_key": "rotated-key-4669", "database": {"password": "rotated-pass-ü"}}

WRONG_PASSWORD = "wrong-password-5150"

MODULE = '''
import base64
import json

import syftapi_cli as sy

MOCK_SETTINGS = {mock!r}
PRIVATE_SETTINGS = {private!r}
PUBLIC_SETTINGS = {public!r}


def settings_strings(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in settings_strings(item)]
    return []


def print_forms(settings):
    lines = []
    for text in settings_strings(settings):
        lines.append("plain " + text)
        lines.append("json " + json.dumps(text))
        lines.append("base64 " + base64.b64encode(text.encode()).decode())
    print("\\n".join(lines))
    return " | ".join(lines)


@sy.api_endpoint_method(settings=MOCK_SETTINGS)
def mock_side(context, fail: bool = False):
    printed = print_forms(context.settings)
    if fail:
        raise RuntimeError(printed)
    return "mock done"


@sy.api_endpoint_method(settings=PRIVATE_SETTINGS)
def private_side(context, fail: bool = False):
    printed = print_forms(context.settings)
    if fail:
        raise RuntimeError(printed)
    return "private done"


twin = sy.TwinAPIEndpoint(
    path="{twin}", mock_function=mock_side, private_function=private_side
)


@sy.api_endpoint(path="{public_path}", settings=PUBLIC_SETTINGS)
def public(context, fail: bool = False):
    printed = print_forms(context.settings)
    if fail:
        raise RuntimeError(printed)
    return "public done"
'''

PRIVATE_ROWS_MODULE = '''
import syftapi_cli as sy


@sy.api_endpoint_method()
def mock_rows(context):
    return "mock row"


@sy.api_endpoint_method()
def private_rows(context):
    context.state["last_row"] = "private-row-" + "7071"
    print("state now", context.state)
    return "private summary"


rows = sy.TwinAPIEndpoint(path="vault.rows", mock_function=mock_rows, private_function=private_rows)
'''

ROWS_CODE = '''
import syftapi_cli as sy


@sy.syft_function_single_use(rows="vault.rows")
def read_rows(rows):
    return rows()
'''


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def secret_forms(*settings: dict) -> dict[str, str]:
    """Map a label to each redacted form (plain, JSON-escaped, base64) of each secret."""
    forms = {}
    for mapping in settings:
        for text in strings_in(mapping):
            if len(text) < 4:
                continue
            forms[f"plain {text}"] = text
            forms[f"json {text}"] = json.dumps(text)[1:-1]
            forms[f"base64 {text}"] = base64.b64encode(text.encode()).decode()
    return forms


ALL_FORMS = secret_forms(MOCK_SETTINGS, PRIVATE_SETTINGS, PUBLIC_SETTINGS, NEW_PRIVATE_SETTINGS)


def leaked(text: str) -> list[str]:
    """Return the labels of the secret forms found in TEXT."""
    return [label for label, form in ALL_FORMS.items() if form in text]


def output_of(result) -> str:
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Build the datasite once per module, so that each test starts from a copy of it."""
    root = tmp_path_factory.mktemp("template")
    module = root / "vault_endpoints.py"
    module.write_text(
        MODULE.format(
            mock=MOCK_SETTINGS,
            private=PRIVATE_SETTINGS,
            public=PUBLIC_SETTINGS,
            twin=TWIN,
            public_path=PUBLIC,
        )
    )
    cli = Invoker()
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root)
        populate(cli, module)
    return root, cli.tokens


@pytest.fixture
def vault(cli, isolated_home, tmp_path, template):
    """A copy of the template datasite: the twin vault.twin and the public vault.public."""
    root, tokens = template
    shutil.copytree(root / "home", isolated_home)
    shutil.copytree(root / "config", tmp_path / "config")
    cli.tokens.update(tokens)
    return isolated_home


def newest_job_id(cli, role: str) -> str:
    listed = cli("jobs", "list", "--limit", "1", "--format", "json", role=role)
    assert listed.exit_code == 0, listed.stderr
    return json.loads(listed.stdout)[0]["id"]


def job_json(cli, role: str, job_id: str) -> dict:
    shown = cli("jobs", "show", job_id, "--format", "json", role=role)
    assert shown.exit_code == 0, shown.stderr
    return json.loads(shown.stdout)


def audit_entries(cli) -> list[dict]:
    result = cli("audit", "--limit", "1000", "--format", "json", role="admin")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def matching(entries, actor, words, outcome="ok", target=None) -> list[dict]:
    """Return the entries by ACTOR with OUTCOME whose action contains every word."""
    found = []
    for entry in entries:
        if entry["actor"] != actor or entry["outcome"] != outcome:
            continue
        if target is not None and entry["target"] != target:
            continue
        if all(word in entry["action"] for word in words):
            found.append(entry)
    return found


def audit_bytes(home) -> bytes:
    return (home / "audit.log").read_bytes()


# Settings never reach data scientists or guests


@pytest.mark.parametrize("role", MEMBERS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_member_views_hide_settings(cli, vault, role, fmt):
    for path in (TWIN, PUBLIC):
        shown = cli("endpoint", "show", path, "--format", fmt, role=role)
        assert shown.exit_code == 0, shown.stderr
        assert leaked(output_of(shown)) == []
        assert SHORT_VALUE not in shown.stdout
        assert "api_key" not in shown.stdout
        assert "database" not in shown.stdout
        assert "mock_settings" not in shown.stdout
        assert "Mock settings" not in shown.stdout
    listed = cli("endpoint", "list", "--format", fmt, role=role)
    assert listed.exit_code == 0, listed.stderr
    assert leaked(output_of(listed)) == []
    assert "api_key" not in listed.stdout


def test_scientist_jobs_hide_settings(cli, vault):
    for path in (TWIN, PUBLIC):
        ran = cli("run", path, "--format", "json", role="data_scientist")
        assert ran.exit_code == 0, ran.stderr
        assert leaked(output_of(ran)) == []
    for fmt in FORMATS:
        listed = cli("jobs", "list", "--format", fmt, role="data_scientist")
        assert listed.exit_code == 0, listed.stderr
        assert leaked(output_of(listed)) == []
    job_id = newest_job_id(cli, "data_scientist")
    for fmt in FORMATS:
        shown = cli("jobs", "show", job_id, "--format", fmt, role="data_scientist")
        assert shown.exit_code == 0, shown.stderr
        assert leaked(output_of(shown)) == []
        assert "plain ***" in shown.stdout


@pytest.mark.parametrize("role", MEMBERS)
def test_member_errors_hide_settings(cli, vault, role):
    for path in (TWIN, PUBLIC):
        failed = cli("run", path, "--kw", "fail=true", role=role)
        assert_one_line_error(failed, 1)
        assert leaked(failed.stderr) == []
        assert "***" in failed.stderr


def test_scientist_failed_job_hides_settings(cli, vault):
    for path in (TWIN, PUBLIC):
        failed = cli("run", path, "--kw", "fail=true", role="data_scientist")
        assert failed.exit_code == 1
        job = job_json(cli, "data_scientist", newest_job_id(cli, "data_scientist"))
        assert job["status"] == "errored"
        assert leaked(json.dumps(job["error"])) == []
        assert leaked(job["logs"]) == []
        assert "plain ***" in job["logs"]


@pytest.mark.parametrize("role", MEMBERS)
def test_member_show_secrets_rejected(cli, vault, role):
    rejected = cli("endpoint", "show", TWIN, "--show-secrets", "--format", "json", role=role)
    assert_one_line_error(rejected, 3)
    assert leaked(output_of(rejected)) == []


def test_updated_settings_stay_hidden(cli, vault):
    updated = cli(
        "endpoint", "update", TWIN, "--private-settings", "-",
        input=json.dumps(NEW_PRIVATE_SETTINGS), role="data_owner",
    )
    assert updated.exit_code == 0, updated.stderr
    ran = cli("run", TWIN, "--private", "--kw", "fail=true", role="admin")
    assert ran.exit_code == 1
    assert leaked(output_of(ran)) == []
    job = job_json(cli, "admin", newest_job_id(cli, "admin"))
    assert leaked(job["logs"]) == []
    assert job["logs"].count("plain ***") == len(secret_forms(NEW_PRIVATE_SETTINGS)) // 3
    shown = cli("endpoint", "show", TWIN, "--format", "json", role="data_scientist")
    assert leaked(output_of(shown)) == []


def test_nested_private_logs_hidden(cli, vault, tmp_path):
    """Logs of the private side, run for approved code, stay with the data owners."""
    module = tmp_path / "rows_endpoint.py"
    module.write_text(PRIVATE_ROWS_MODULE)
    added = cli("endpoint", "add", module, role="admin")
    assert added.exit_code == 0, added.stderr
    code = tmp_path / "rows_code.py"
    code.write_text(ROWS_CODE)
    submitted = cli("code", "submit", f"{code}:read_rows", role="data_scientist")
    assert submitted.exit_code == 0, submitted.stderr
    approved = cli("requests", "approve", submitted.stdout.strip(), "--yes", role="data_owner")
    assert approved.exit_code == 0, approved.stderr
    ran = cli("code", "run", "read_rows", role="data_scientist")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == "private summary"
    listed = cli("jobs", "list", "--format", "json", role="data_scientist")
    assert listed.exit_code == 0, listed.stderr
    jobs = json.loads(listed.stdout)
    assert {job["side"] for job in jobs} == {"private"}
    for job in jobs:
        for fmt in FORMATS:
            shown = cli("jobs", "show", job["id"], "--format", fmt, role="data_scientist")
            assert shown.exit_code == 0, shown.stderr
            assert "private-row-7071" not in shown.stdout, (job, fmt)
    code_job = next(job for job in jobs if job["code"] == "read_rows")
    own_result = cli("jobs", "show", code_job["id"], "--format", "json", role="data_scientist")
    assert json.loads(own_result.stdout)["result"] == "private summary"


# Redaction of what endpoints print


@pytest.mark.parametrize("side", ["mock", "private"])
def test_logs_redact_nested_values(cli, vault, side):
    settings = MOCK_SETTINGS if side == "mock" else PRIVATE_SETTINGS
    ran = cli("run", TWIN, f"--{side}", role="admin")
    assert ran.exit_code == 0, ran.stderr
    logs = job_json(cli, "admin", newest_job_id(cli, "admin"))["logs"]
    assert leaked(logs) == []
    secret_count = len(secret_forms(settings)) // 3
    assert logs.count("plain ***") == secret_count
    assert logs.count('json "***"') == secret_count
    assert logs.count("base64 ***") == secret_count


def test_logs_keep_short_values(cli, vault):
    ran = cli("run", TWIN, "--mock", role="data_scientist")
    assert ran.exit_code == 0, ran.stderr
    logs = job_json(cli, "data_scientist", newest_job_id(cli, "data_scientist"))["logs"]
    assert f"plain {SHORT_VALUE}" in logs.splitlines()


@pytest.mark.parametrize("role", OWNERS)
def test_owner_errors_redact_values(cli, vault, role):
    failed = cli("run", TWIN, "--private", "--kw", "fail=true", role=role)
    assert failed.exit_code == 1
    assert "Traceback" in failed.stderr
    assert failed.stderr.strip().splitlines()[-1].startswith("error: ")
    assert leaked(failed.stderr) == []
    job = job_json(cli, role, newest_job_id(cli, role))
    assert job["error"]["type"] == "RuntimeError"
    assert leaked(json.dumps(job["error"])) == []
    assert "plain ***" in job["error"]["message"]


# Owners see keys with masked values


@pytest.mark.parametrize("role", OWNERS)
def test_owner_settings_masked(cli, vault, role):
    shown = cli("endpoint", "show", TWIN, "--format", "json", role=role)
    assert shown.exit_code == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["mock_settings"] == {"api_key": "***", "database": "***", "short": "***"}
    assert view["private_settings"] == {"api_key": "***", "database": "***", "edge": "***"}
    for fmt in ("table", "csv"):
        rendered = cli("endpoint", "show", TWIN, "--format", fmt, role=role)
        assert rendered.exit_code == 0, rendered.stderr
        assert leaked(output_of(rendered)) == []
        assert SHORT_VALUE not in rendered.stdout
        assert "database" in rendered.stdout


@pytest.mark.parametrize("role", OWNERS)
def test_owner_show_secrets_nested(cli, vault, role):
    shown = cli("endpoint", "show", TWIN, "--show-secrets", "--format", "json", role=role)
    assert shown.exit_code == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["mock_settings"] == MOCK_SETTINGS
    assert view["private_settings"] == PRIVATE_SETTINGS
    public = cli("endpoint", "show", PUBLIC, "--show-secrets", "--format", "json", role=role)
    assert public.exit_code == 0, public.stderr
    assert json.loads(public.stdout)["mock_settings"] == PUBLIC_SETTINGS


# The audit log


def test_audit_records_changes(cli, vault, tmp_path):
    started = time.time()
    new_email = "auditee@example.org"
    registered = cli(
        "users", "register", "--email", new_email, "--name", "Auditee",
        "--role", "data_scientist", "--password-stdin", input="auditee-password\n", role="admin",
    )
    assert registered.exit_code == 0, registered.stderr
    steps = [
        ("users", "set-role", new_email, "guest"),
        ("endpoint", "update", TWIN, "--description", "Changed."),
        ("endpoint", "delete", PUBLIC, "--yes"),
        ("users", "delete", new_email, "--yes"),
    ]
    for step in steps:
        done = cli(*step, role="admin")
        assert done.exit_code == 0, (step, done.stderr)
    code = tmp_path / "audit_code.py"
    code.write_text(ROWS_CODE.replace("vault.rows", TWIN).replace("rows()", "rows(fail=False)"))
    first = cli("code", "submit", f"{code}:read_rows", role="data_scientist")
    assert first.exit_code == 0, first.stderr
    first_id = first.stdout.strip()
    denied = cli("requests", "deny", first_id, "--reason", "too broad", role="data_owner")
    assert denied.exit_code == 0, denied.stderr
    # Changed source becomes a second version with a request of its own.
    code.write_text(code.read_text().replace("fail=False", "fail=0"))
    second = cli("code", "submit", f"{code}:read_rows", role="data_scientist")
    assert second.exit_code == 0, second.stderr
    second_id = second.stdout.strip()
    approved = cli("requests", "approve", second_id, "--yes", role="data_owner")
    assert approved.exit_code == 0, approved.stderr
    finished = time.time()

    entries = audit_entries(cli)
    admin, owner = EMAILS["admin"], EMAILS["data_owner"]
    expected = [
        (admin, ["register", "data_scientist"], new_email),
        (admin, ["role", "guest"], new_email),
        (admin, ["update", "endpoint"], TWIN),
        (admin, ["delete", "endpoint"], PUBLIC),
        (admin, ["delete", "user"], new_email),
        (owner, ["deny"], f"{first_id} (read_rows by {EMAILS['data_scientist']})"),
        (owner, ["approve"], f"{second_id} (read_rows by {EMAILS['data_scientist']})"),
    ]
    for actor, words, target in expected:
        found = matching(entries, actor, words, target=target)
        assert len(found) == 1, (actor, words, target, entries)
        moment = datetime.datetime.fromisoformat(found[0]["at"]).timestamp()
        assert started - 1 <= moment <= finished + 1, found[0]
    added = matching(entries, admin, ["add", "endpoint"])
    assert {entry["target"] for entry in added} >= {TWIN, PUBLIC}


@pytest.mark.parametrize(
    "role, command, words",
    [
        ("data_scientist", ("run", TWIN, "--private"), ["private", TWIN]),
        ("data_scientist", ("endpoint", "delete", TWIN, "--yes"), ["deleting"]),
        ("guest", ("code", "submit", "sample_endpoints.user_code:get_sample_fixed_length"), ["submitting"]),
        ("data_owner", ("users", "delete", EMAILS["guest"], "--yes"), ["deleting users"]),
        ("data_scientist", ("endpoint", "show", TWIN, "--show-secrets"), ["settings"]),
    ],
    ids=["run-private", "delete-endpoint", "submit-code", "delete-user", "show-secrets"],
)
def test_audit_records_denied_action(cli, vault, role, command, words):
    rejected = cli(*command, role=role)
    assert_one_line_error(rejected, 3)
    found = matching(audit_entries(cli), EMAILS[role], words, outcome="denied")
    assert len(found) == 1, found


def test_audit_failed_login_subprocess(vault):
    started = time.time()
    failed = run_syftapi(
        "whoami", env={"SYFTAPI_USER": EMAILS["guest"], "SYFTAPI_PASSWORD": WRONG_PASSWORD}
    )
    assert failed.returncode == 3, failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert WRONG_PASSWORD not in failed.stderr
    log = audit_bytes(vault)
    assert WRONG_PASSWORD.encode() not in log
    assert PASSWORDS["guest"].encode() not in log
    entry = json.loads(log.splitlines()[-1])
    assert entry["actor"] == EMAILS["guest"]
    assert entry["action"] == "login"
    assert entry["outcome"] == "failed"
    assert started - 1 <= entry["at"] <= time.time() + 1


def test_audit_failed_login_prompt(cli, vault):
    before = audit_bytes(vault)
    unknown = "nobody@example.org"
    for email in (EMAILS["data_scientist"], unknown):
        failed = cli("login", email, "--password-stdin", input=WRONG_PASSWORD + "\n")
        assert_one_line_error(failed, 3)
    added = audit_bytes(vault)[len(before):]
    assert WRONG_PASSWORD.encode() not in added
    entries = [json.loads(line) for line in added.splitlines()]
    assert [(e["actor"], e["outcome"]) for e in entries] == [
        (EMAILS["data_scientist"], "failed"),
        (unknown, "failed"),
    ]


@pytest.mark.parametrize("role", ["data_owner", "data_scientist", "guest"])
def test_audit_rejected_below_admin(cli, vault, role):
    for extra in ((), ("--format", "json")):
        rejected = cli("audit", *extra, role=role)
        assert_one_line_error(rejected, 3)
        assert rejected.stdout == ""


def test_audit_table_and_limit(cli, vault):
    table = cli("audit", role="admin")
    assert table.exit_code == 0, table.stderr
    assert "add endpoint" in table.stdout
    assert TWIN in table.stdout
    limited = cli("audit", "--limit", "2", "--format", "json", role="admin")
    assert limited.exit_code == 0, limited.stderr
    assert json.loads(limited.stdout) == audit_entries(cli)[-2:]


def test_audit_log_append_only(cli, vault):
    events = [
        (("endpoint", "update", TWIN, "--timeout", "30"), "admin", None),
        (("run", TWIN, "--private"), "guest", None),
        (("users", "set-role", EMAILS["guest"], "data_scientist"), "data_owner", None),
        (("whoami",), None, {"SYFTAPI_USER": EMAILS["admin"], "SYFTAPI_PASSWORD": WRONG_PASSWORD}),
        (("audit",), "data_scientist", None),
        (("endpoint", "delete", PUBLIC, "--yes"), "data_owner", None),
    ]
    for command, role, env in events:
        before = audit_bytes(vault)
        cli(*command, role=role, env=env)
        after = audit_bytes(vault)
        assert after.startswith(before), command
        added = after[len(before):].splitlines()
        assert len(added) == 1, (command, added)
        assert set(json.loads(added[0])) == {"at", "actor", "action", "target", "outcome"}


def test_reads_leave_audit_unchanged(cli, vault):
    before = audit_bytes(vault)
    for command in (("endpoint", "list"), ("endpoint", "show", TWIN), ("audit",), ("jobs", "list")):
        read = cli(*command, role="admin")
        assert read.exit_code == 0, read.stderr
    assert audit_bytes(vault) == before


def test_audit_log_contains_no_secret(cli, vault):
    commands = [
        (("endpoint", "update", TWIN, "--private-settings", "-"), "admin", json.dumps(NEW_PRIVATE_SETTINGS)),
        (("endpoint", "update", PUBLIC, "--mock-settings", "-"), "data_owner", json.dumps(PUBLIC_SETTINGS)),
        (("run", TWIN, "--private", "--kw", "fail=true"), "admin", None),
        (("run", TWIN, "--kw", "fail=true"), "data_scientist", None),
        (("endpoint", "show", TWIN, "--show-secrets"), "data_owner", None),
        (("endpoint", "show", TWIN, "--show-secrets"), "guest", None),
        (("users", "set-password", EMAILS["guest"], "--password-stdin"), "admin", "replaced-password-77\n"),
        (("token", "create", "--name", "audited"), "data_scientist", None),
    ]
    printed = []
    for command, role, stdin in commands:
        result = cli(*command, role=role, input=stdin)
        printed.append(result.stdout)
    log = audit_bytes(vault).decode()
    assert leaked(log) == []
    for password in (*PASSWORDS.values(), "replaced-password-77"):
        assert password not in log
    for token in (*cli.tokens.values(), printed[-1].strip()):
        assert token not in log


# File modes


def test_datasite_modes_after_commands(cli, vault, tmp_path):
    code = tmp_path / "mode_code.py"
    code.write_text(ROWS_CODE.replace("vault.rows", TWIN))
    commands = [
        (("run", TWIN, "--private"), "admin"),
        (("run", TWIN, "--kw", "fail=true"), "data_scientist"),
        (("run", PUBLIC), "guest"),
        (("code", "submit", f"{code}:read_rows"), "data_scientist"),
        (("requests", "approve", "--yes"), "data_owner"),
        (("code", "run", "read_rows"), "data_scientist"),
        (("state", "show", TWIN, "--private"), "admin"),
        (("token", "create", "--name", "modes"), "guest"),
        (("endpoint", "update", TWIN, "--hide-mock-definition"), "admin"),
        (("endpoint", "show", TWIN), "guest"),
        (("jobs", "prune", "--older-than", "1", "--yes"), "admin"),
        (("doctor",), "admin"),
    ]
    for command, role in commands:
        result = cli(*command, role=role)
        assert "Traceback" not in result.stderr, command
    login = cli("login", EMAILS["data_owner"], "--password-stdin", input=PASSWORDS["data_owner"] + "\n")
    assert login.exit_code == 0, login.stderr

    assert stat.S_IMODE(vault.stat().st_mode) == 0o700
    entries = list(vault.rglob("*"))
    folders = [p for p in entries if p.is_dir()]
    files = [p for p in entries if p.is_file()]
    assert {p.name for p in folders} >= {"endpoints", "jobs", "results", "requests", "blobs"}
    assert any(p.name == "audit.log" for p in files)
    assert any(p.suffix == ".log" and p.parent.name == "jobs" for p in files)
    open_folders = [str(p) for p in folders if stat.S_IMODE(p.stat().st_mode) != 0o700]
    assert open_folders == []
    open_files = [str(p) for p in files if stat.S_IMODE(p.stat().st_mode) != 0o600]
    assert open_files == []


@pytest.mark.parametrize("mode", [0o770, 0o720, 0o702, 0o777])
def test_writable_datasite_rejected(cli, vault, mode):
    before = tree_digest(vault)
    vault.chmod(mode)
    try:
        rejected = cli("endpoint", "list", role="admin")
        assert_one_line_error(rejected, 6)
        assert "writable by other OS users" in rejected.stderr
        assert f"{mode:o}" in rejected.stderr
        ran = cli("run", PUBLIC, role="guest")
        assert_one_line_error(ran, 6)
        assert tree_digest(vault) == before
    finally:
        vault.chmod(0o700)
    listed = cli("endpoint", "list", role="admin")
    assert listed.exit_code == 0, listed.stderr


def test_writable_datasite_subprocess(vault):
    vault.chmod(0o775)
    try:
        rejected = run_syftapi("whoami")
    finally:
        vault.chmod(0o700)
    assert rejected.returncode == 6, rejected.stderr
    lines = rejected.stderr.strip().splitlines()
    assert len(lines) == 1, rejected.stderr
    assert lines[0].startswith("error: ")
    assert "writable by other OS users" in lines[0]
    assert "chmod -R go-rwx" in lines[0]


@pytest.mark.parametrize(
    "relative, mode, words",
    [
        ("blobs", 0o777, "writable by other OS users"),
        ("endpoints", 0o720, "writable by other OS users"),
        ("key", 0o644, "open to other OS users"),
    ],
)
def test_open_inner_path_rejected(cli, vault, relative, mode, words):
    target = vault / relative
    original = stat.S_IMODE(target.stat().st_mode)
    target.chmod(mode)
    before = tree_digest(vault)
    try:
        ran = cli("run", PUBLIC, role="guest")
        assert_one_line_error(ran, 6)
        assert words in ran.stderr
        assert str(target) in ran.stderr
        assert tree_digest(vault) == before
    finally:
        target.chmod(original)
    assert cli("run", PUBLIC, role="guest").exit_code == 0
