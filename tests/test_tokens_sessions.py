"""Login sessions, API tokens and the SYFTAPI_* identity variables."""

import json
import os
import stat
import subprocess
import sys
import time

from tests.conftest import (
    EMAILS,
    PASSWORDS,
    assert_one_line_error,
    run_syftapi,
    tree_digest,
)


def session_files(tmp_path):
    return sorted((tmp_path / "config").rglob("*.json"))


def token_records(home):
    return [json.loads(path.read_text()) for path in sorted((home / "tokens").glob("*.json"))]


def token_record_path(home, email, name):
    matches = [
        path
        for path in sorted((home / "tokens").glob("*.json"))
        if json.loads(path.read_text())["email"] == email
        and json.loads(path.read_text())["name"] == name
    ]
    assert len(matches) == 1, matches
    return matches[0]


def login(cli, role, password=None):
    password = PASSWORDS[role] if password is None else password
    return cli("login", EMAILS[role], "--password-stdin", input=password + "\n")


def whoami(cli, **options):
    return cli("whoami", "--format", "json", **options)


def create_token(cli, role, *options):
    result = cli("token", "create", *options, role=role)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def token_env(token):
    return {"SYFTAPI_TOKEN": token}


# Sessions


def test_session_file_is_private(cli, site, tmp_path):
    files = session_files(tmp_path)
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert files[0].is_relative_to(tmp_path / "config")
    assert not files[0].is_relative_to(site)


def test_session_file_omits_password(cli, site, tmp_path):
    content = session_files(tmp_path)[0].read_text()
    assert PASSWORDS["admin"] not in content


def test_login_switches_user(cli, site):
    result = login(cli, "data_scientist")
    assert result.exit_code == 0, result.stderr
    identity = json.loads(whoami(cli).stdout)
    assert identity["email"] == EMAILS["data_scientist"]
    assert identity["role"] == "data_scientist"


def test_login_email_ignores_case(cli, site):
    result = cli(
        "login", EMAILS["guest"].upper(), "--password-stdin", input=PASSWORDS["guest"] + "\n"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(whoami(cli).stdout)["email"] == EMAILS["guest"]


def test_sessions_kept_per_datasite(cli, site, tmp_path):
    other = tmp_path / "other"
    created = cli(
        "--state-dir", other, "init", "--admin-email", "other@example.org", "--password-stdin",
        input=PASSWORDS["admin"] + "\n",
    )
    assert created.exit_code == 0, created.stderr
    assert len(session_files(tmp_path)) == 2
    home_identity = json.loads(whoami(cli).stdout)
    other_identity = json.loads(cli("--state-dir", other, "whoami", "--format", "json").stdout)
    assert home_identity["email"] == EMAILS["admin"]
    assert other_identity["email"] == "other@example.org"


def test_login_replaces_old_session(cli, site, tmp_path):
    old_token = json.loads(session_files(tmp_path)[0].read_text())["token"]
    assert login(cli, "guest").exit_code == 0
    assert len(session_files(tmp_path)) == 1
    assert_one_line_error(whoami(cli, env=token_env(old_token)), 3)


def test_logout_revokes_session(cli, site, tmp_path):
    session_token = json.loads(session_files(tmp_path)[0].read_text())["token"]
    assert whoami(cli, env=token_env(session_token)).exit_code == 0

    result = cli("logout")
    assert result.exit_code == 0, result.stderr
    assert session_files(tmp_path) == []
    assert_one_line_error(whoami(cli), 3)
    assert_one_line_error(whoami(cli, env=token_env(session_token)), 3)


def test_logout_without_session(cli, site):
    assert cli("logout").exit_code == 0
    result = cli("logout")
    assert result.exit_code == 0, result.stderr


def test_whoami_not_logged_in(cli, site):
    assert cli("logout").exit_code == 0
    result = whoami(cli)
    assert_one_line_error(result, 3)
    assert "syftapi login" in result.stderr


def test_login_wrong_password(cli, site, tmp_path):
    before = tree_digest(tmp_path)
    result = login(cli, "data_scientist", password="wrong-password")
    assert_one_line_error(result, 3)
    assert tree_digest(tmp_path) == before
    assert json.loads(whoami(cli).stdout)["email"] == EMAILS["admin"]


def test_login_unknown_user(cli, site, tmp_path):
    before = tree_digest(tmp_path)
    result = cli("login", "nobody@example.org", "--password-stdin", input="some-password\n")
    assert_one_line_error(result, 3)
    assert tree_digest(tmp_path) == before


def test_login_unknown_matches_wrong_password(cli, site):
    unknown = cli("login", "nobody@example.org", "--password-stdin", input="some-password\n")
    wrong = cli("login", EMAILS["guest"], "--password-stdin", input="some-password\n")
    unknown_text = unknown.stderr.replace("nobody@example.org", "EMAIL")
    wrong_text = wrong.stderr.replace(EMAILS["guest"], "EMAIL")
    assert unknown_text == wrong_text


def test_login_without_email_off_terminal(cli, site):
    result = cli("login", "--password-stdin", input=PASSWORDS["guest"] + "\n")
    assert_one_line_error(result, 2)


def test_login_without_terminal_rejected(cli, site):
    result = cli("login", EMAILS["guest"])
    assert_one_line_error(result, 2)
    assert "--password-stdin" in result.stderr


def test_session_shared_with_subprocess(cli, site):
    result = run_syftapi("whoami", "--format", "json", input="")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["email"] == EMAILS["admin"]


def test_session_of_deleted_user(cli, site):
    assert login(cli, "data_scientist").exit_code == 0
    deleted = cli("users", "delete", EMAILS["data_scientist"], "--yes", role="admin")
    assert deleted.exit_code == 0, deleted.stderr
    assert_one_line_error(whoami(cli), 3)


# SYFTAPI_USER and SYFTAPI_PASSWORD


def test_env_password_authenticates(cli, site):
    env = {"SYFTAPI_USER": EMAILS["data_owner"], "SYFTAPI_PASSWORD": PASSWORDS["data_owner"]}
    result = whoami(cli, env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["role"] == "data_owner"


def test_env_password_wrong(cli, site):
    env = {"SYFTAPI_USER": EMAILS["data_owner"], "SYFTAPI_PASSWORD": "wrong-password"}
    assert_one_line_error(whoami(cli, env=env), 3)


def test_env_password_unknown_user(cli, site):
    env = {"SYFTAPI_USER": "nobody@example.org", "SYFTAPI_PASSWORD": "some-password"}
    assert_one_line_error(whoami(cli, env=env), 3)


def test_env_user_without_password(cli, site):
    result = whoami(cli, env={"SYFTAPI_USER": EMAILS["data_owner"]})
    assert_one_line_error(result, 3)
    assert "SYFTAPI_PASSWORD" in result.stderr


def test_env_password_in_subprocess(cli, site):
    env = {"SYFTAPI_USER": EMAILS["guest"], "SYFTAPI_PASSWORD": PASSWORDS["guest"]}
    result = run_syftapi("whoami", "--format", "json", input="", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["email"] == EMAILS["guest"]


# SYFTAPI_TOKEN


def test_token_authenticates_role(cli, site):
    for role in ("admin", "data_owner", "data_scientist", "guest"):
        result = whoami(cli, role=role)
        assert result.exit_code == 0, result.stderr
        identity = json.loads(result.stdout)
        assert identity["email"] == EMAILS[role]
        assert identity["role"] == role


def test_token_wins_over_session(cli, site):
    result = whoami(cli, role="guest")
    assert json.loads(result.stdout)["email"] == EMAILS["guest"]


def test_token_invalid_rejected(cli, site):
    result = whoami(cli, env=token_env("sya_not-a-real-token"))
    assert_one_line_error(result, 3)


def test_token_in_subprocess(cli, site):
    result = run_syftapi("whoami", "--format", "json", input="", env=token_env(cli.tokens["data_scientist"]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["role"] == "data_scientist"


# token create


def test_token_create_prints_token(cli, site):
    result = cli("token", "create", "--name", "ci", role="guest")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert whoami(cli, env=token_env(lines[0])).exit_code == 0


def test_token_create_json_shape(cli, site):
    result = cli("token", "create", "--name", "ci", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"name", "token"}
    assert created["name"] == "ci"
    identity = whoami(cli, env=token_env(created["token"]))
    assert json.loads(identity.stdout)["email"] == EMAILS["guest"]


def test_token_values_are_distinct(cli, site):
    first = create_token(cli, "guest", "--name", "one")
    second = create_token(cli, "guest", "--name", "two")
    assert first != second
    assert len(first) >= 32


def test_token_duplicate_name_rejected(cli, site):
    before = tree_digest(site)
    result = cli("token", "create", "--name", "tests", role="guest")
    assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_token_same_name_other_user(cli, site):
    create_token(cli, "guest", "--name", "shared")
    result = cli("token", "create", "--name", "shared", role="data_scientist")
    assert result.exit_code == 0, result.stderr


def test_token_invalid_name_rejected(cli, site):
    before = tree_digest(site)
    for name in ["has space", "slash/name", "x" * 65]:
        result = cli("token", "create", "--name", name, role="guest")
        assert result.exit_code == 2, name
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


def test_token_values_not_stored(cli, site, tmp_path):
    token = create_token(cli, "guest", "--name", "secret")
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    leaks = [path for path in files if token.encode() in path.read_bytes()]
    assert leaks == []


# token list


def test_token_list_hides_values(cli, site):
    extra = create_token(cli, "data_scientist", "--name", "extra")
    for fmt in ("table", "json", "csv"):
        result = cli("token", "list", "--format", fmt, role="data_scientist")
        assert result.exit_code == 0, result.stderr
        assert "extra" in result.stdout, fmt
        assert extra not in result.stdout, fmt
        assert cli.tokens["data_scientist"] not in result.stdout, fmt
        assert "sya_" not in result.stdout, fmt


def test_token_list_json_shape(cli, site):
    create_token(cli, "guest", "--name", "later", "--expires-in", "7")
    result = cli("token", "list", "--format", "json", role="guest")
    assert result.exit_code == 0, result.stderr
    tokens = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(tokens) == {"tests", "later"}
    for row in tokens.values():
        assert set(row) == {"name", "created_at", "expires_at"}
    assert tokens["tests"]["expires_at"] is None
    assert tokens["later"]["expires_at"] is not None


def test_token_list_only_own(cli, site):
    create_token(cli, "admin", "--name", "admin-only")
    result = cli("token", "list", "--format", "json", role="guest")
    names = [row["name"] for row in json.loads(result.stdout)]
    assert "admin-only" not in names


# Expiry


def test_token_expired_record_rejected(cli, site):
    token = create_token(cli, "data_scientist", "--name", "short", "--expires-in", "1")
    assert whoami(cli, env=token_env(token)).exit_code == 0

    path = token_record_path(site, EMAILS["data_scientist"], "short")
    record = json.loads(path.read_text())
    record["expires_at"] = time.time() - 60
    path.write_text(json.dumps(record))

    result = whoami(cli, env=token_env(token))
    assert_one_line_error(result, 3)
    assert "expired" in result.stderr


def test_token_tiny_lifetime_expires(cli, site):
    # 0.00001 days is 0.864 s.
    token = create_token(cli, "guest", "--name", "tiny", "--expires-in", "0.00001")
    time.sleep(1.0)
    result = whoami(cli, env=token_env(token))
    assert_one_line_error(result, 3)


def test_token_expires_in_invalid(cli, site):
    before = tree_digest(site)
    for days in ["0", "-1", "3651", "nan", "soon"]:
        result = cli("token", "create", "--name", "bad", "--expires-in", days, role="guest")
        assert result.exit_code == 2, days
        assert_one_line_error(result, 2)
    assert tree_digest(site) == before


# Revocation


def test_token_revoke_rejects_token(cli, site):
    token = create_token(cli, "guest", "--name", "gone")
    result = cli("token", "revoke", "gone", "--yes", role="guest")
    assert result.exit_code == 0, result.stderr
    assert_one_line_error(whoami(cli, env=token_env(token)), 3)
    assert whoami(cli, role="guest").exit_code == 0


def test_token_revoke_needs_yes(cli, site):
    create_token(cli, "guest", "--name", "kept")
    before = tree_digest(site)
    result = cli("token", "revoke", "kept", role="guest")
    assert_one_line_error(result, 2)
    assert "--yes" in result.stderr
    assert tree_digest(site) == before


def test_token_revoke_unknown_name(cli, site):
    before = tree_digest(site)
    result = cli("token", "revoke", "missing", "--yes", role="guest")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


def test_token_revoke_other_user(cli, site):
    create_token(cli, "admin", "--name", "admin-only")
    before = tree_digest(site)
    result = cli("token", "revoke", "admin-only", "--yes", role="guest")
    assert_one_line_error(result, 4)
    assert tree_digest(site) == before


def test_delete_user_revokes_tokens(cli, site):
    email = EMAILS["data_scientist"]
    extra = create_token(cli, "data_scientist", "--name", "extra")
    result = cli("users", "delete", email, "--yes", role="admin")
    assert result.exit_code == 0, result.stderr
    assert_one_line_error(whoami(cli, role="data_scientist"), 3)
    assert_one_line_error(whoami(cli, env=token_env(extra)), 3)
    assert [record for record in token_records(site) if record["email"] == email] == []


def test_reregistered_user_old_token(cli, site):
    email = EMAILS["guest"]
    assert cli("users", "delete", email, "--yes", role="admin").exit_code == 0
    registered = cli(
        "users", "register", "--email", email, "--name", "Guest", "--role", "guest",
        "--password-stdin", input=PASSWORDS["guest"] + "\n", role="admin",
    )
    assert registered.exit_code == 0, registered.stderr
    assert_one_line_error(whoami(cli, role="guest"), 3)


def test_token_name_option_like_rejected(cli, site):
    before = tree_digest(site)
    result = cli("token", "create", "--name=--expires-in", role="admin")
    assert_one_line_error(result, 2)
    assert "not starting with '-'" in result.stderr
    assert tree_digest(site) == before


def test_undecodable_token_env_rejected(cli, site):
    environment = {**os.environ, "SYFTAPI_TOKEN": "sya_\udcff"}
    completed = subprocess.run(
        [sys.executable, "-m", "syftapi_cli", "whoami"],
        env={k: os.fsencode(v) for k, v in environment.items()},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 3, completed.stderr
    assert completed.stderr == "error: SYFTAPI_TOKEN is not valid UTF-8\n"
